import type { Knex } from "knex";

/** The stored keys of `subjects`: the wrapped key, or `null` when the subject was forgotten. Subjects without a row are left out. */
export async function readSubjectKeys(db: Knex, subjects: readonly string[]): Promise<Map<string, Uint8Array | null>> {
  const rows: Array<{ subject: string; wrapped_key: Uint8Array | null }> = await db("subject_keys").select("subject", "wrapped_key").whereIn("subject", subjects);
  return new Map(rows.map((row) => [row.subject, row.wrapped_key]));
}

/** Stores a subject's wrapped key unless it has a row already (a key, or forgotten); answers the row that is stored. */
export async function insertSubjectKey(trx: Knex, subject: string, wrapped: Uint8Array, now: number): Promise<Uint8Array | null> {
  await trx("subject_keys").insert({ subject, wrapped_key: wrapped, created_at: now }).onConflict("subject").ignore();
  const row: { wrapped_key: Uint8Array | null } | undefined = await trx("subject_keys").select("wrapped_key").where("subject", subject).first();
  return row?.wrapped_key ?? null;
}

/** Destroys a subject's key (and retires the subject when it had none). True when a key was destroyed. */
export async function forgetSubjectKey(trx: Knex, subject: string, now: number): Promise<boolean> {
  const row: { wrapped_key: Uint8Array | null } | undefined = await trx("subject_keys").select("wrapped_key").where("subject", subject).first();
  if (row === undefined) {
    await trx("subject_keys").insert({ subject, wrapped_key: null, created_at: now, forgotten_at: now });
    return false;
  }
  await trx("subject_keys").update({ wrapped_key: null, forgotten_at: now }).where("subject", subject);
  return row.wrapped_key !== null;
}
