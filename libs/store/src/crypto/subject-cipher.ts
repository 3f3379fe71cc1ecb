import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DataSubjectError } from "../errors.js";
import { dataSubjectKey, type RecordedEvent } from "../event-store.js";
import type { Dialect } from "../dialect/dialect.js";
import { forgetSubjectKey, insertSubjectKey, readSubjectKeys } from "../sql/subject-keys.js";
import { validateText, type ValidEvent } from "../validation.js";

/** The layout of sealed bytes: a version byte, the 12-byte nonce, the 16-byte tag, the ciphertext. */
const version = 1;
const nonceBytes = 12;
const tagBytes = 16;
const headerBytes = 1 + nonceBytes + tagBytes;

/** AES-256-GCM; `aad` binds the bytes to what they belong to (an event id, a subject). */
export function seal(key: Uint8Array, plain: Uint8Array, aad: string): Uint8Array {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  const out = Buffer.allocUnsafe(headerBytes + body.length);
  out[0] = version;
  nonce.copy(out, 1);
  cipher.getAuthTag().copy(out, 1 + nonceBytes);
  body.copy(out, headerBytes);
  return out;
}

export function open(key: Uint8Array, sealed: Uint8Array, aad: string): Uint8Array {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < headerBytes || bytes[0] !== version) throw new Error("sealed data of an unknown layout");
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(1, 1 + nonceBytes));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(bytes.subarray(1 + nonceBytes, headerBytes));
  return Buffer.concat([decipher.update(bytes.subarray(headerBytes)), decipher.final()]);
}

/** Encrypts the data of events that name a data subject, and reveals (or erases) it on the way out. */
export interface SubjectCipher {
  /** The events with each subject's data sealed by its key (created on first use). */
  sealEvents(events: ValidEvent[]): Promise<ValidEvent[]>;
  /** The events as readers see them: data opened, or erased when the subject was forgotten. The same array when no event names a subject. */
  reveal(events: readonly RecordedEvent[]): Promise<RecordedEvent[]>;
  forget(subject: string): Promise<boolean>;
}

const emptyData = new Uint8Array(0);

/**
 * Per-subject keys (32 random bytes), stored wrapped by `masterKey` (AES-256-GCM,
 * bound to the subject's name). Appends cache unwrapped keys; reads look keys up
 * each time, so that a subject forgotten by any instance reads erased at once.
 * Without a master key an event naming a subject is refused.
 */
export function createSubjectCipher(dialect: Dialect, masterKey: Uint8Array | undefined): SubjectCipher {
  if (masterKey !== undefined && masterKey.byteLength !== 32) throw new Error("the master key must be 32 bytes (AES-256)");
  const appendKeys = new Map<string, Uint8Array>();

  async function keyForAppend(subject: string): Promise<Uint8Array> {
    if (masterKey === undefined) throw new DataSubjectError(subject, "the server has no master key configured, so it cannot encrypt for a data subject");
    const cached = appendKeys.get(subject);
    if (cached !== undefined) return cached;
    const known = (await readSubjectKeys(dialect.reader, [subject])).get(subject);
    let wrapped = known;
    if (wrapped === undefined) {
      const fresh = seal(masterKey, randomBytes(32), subject);
      wrapped = await dialect.writeTransaction((trx) => insertSubjectKey(trx, subject, fresh, Date.now()));
    }
    if (wrapped === null) throw new DataSubjectError(subject, "the subject was forgotten: nothing more is stored for it");
    const key = open(masterKey, wrapped, subject);
    appendKeys.set(subject, key);
    return key;
  }

  return {
    async sealEvents(events) {
      let sealed: ValidEvent[] | undefined;
      for (let index = 0; index < events.length; index += 1) {
        const event = events[index]!;
        const subject = event.metadata[dataSubjectKey];
        if (subject === undefined) continue;
        validateText(subject, `events[${index}].metadata.${dataSubjectKey}`, 1, 256);
        sealed ??= [...events];
        sealed[index] = { ...event, data: seal(await keyForAppend(subject), event.data, event.id) };
      }
      return sealed ?? events;
    },

    async reveal(events) {
      const subjects = new Set<string>();
      for (const event of events) {
        const subject = event.metadata[dataSubjectKey];
        if (subject !== undefined) subjects.add(subject);
      }
      if (subjects.size === 0) return events as RecordedEvent[];
      const wrapped = await readSubjectKeys(dialect.reader, [...subjects]);
      const keys = new Map<string, Uint8Array | null>();
      for (const subject of subjects) {
        const stored = wrapped.get(subject);
        if (stored !== undefined && stored !== null && masterKey === undefined) {
          throw new DataSubjectError(subject, "the server has no master key configured: the events of this subject cannot be read");
        }
        keys.set(subject, stored === undefined || stored === null ? null : open(masterKey!, stored, subject));
      }
      return events.map((event) => {
        const subject = event.metadata[dataSubjectKey];
        if (subject === undefined) return event;
        const key = keys.get(subject);
        if (key === null || key === undefined) return { ...event, data: emptyData, erased: true };
        return { ...event, data: open(key, event.data, event.id) };
      });
    },

    async forget(subject) {
      appendKeys.delete(subject);
      const destroyed = await dialect.writeTransaction((trx) => forgetSubjectKey(trx, subject, Date.now()));
      // The wrapped key must not linger in SQLite's WAL either.
      await dialect.flushLog?.();
      return destroyed;
    },
  };
}
