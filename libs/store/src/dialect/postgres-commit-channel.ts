import { randomUUID } from "node:crypto";
import pg from "pg";
import type { CommitChannel } from "./commit-channel.js";

/** The NOTIFY channel every Annals store on a database shares; payloads name the schema. */
export const commitChannelName = "annals_commits";

const reconnectDelaysMs = [100, 250, 500, 1_000, 2_000];

/**
 * LISTEN/NOTIFY between store instances on one PostgreSQL database. The payload is
 * `schema instance position`; an instance ignores its own notices (it already told its
 * subscribers) and other schemas'. Listening holds one dedicated connection (not the
 * pool's), reconnecting with back-off when it is lost.
 */
export function createPostgresCommitChannel(options: { connectionString: string; schema: string; connectTimeoutMs: number }): CommitChannel {
  const instance = randomUUID();
  const prefix = `${options.schema} `;

  return {
    notice: (position) => ({ channel: commitChannelName, payload: `${options.schema} ${instance} ${position}` }),

    async listen(onPosition, onReconnect) {
      let client: pg.Client | undefined;
      let stopped = false;
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;

      const onNotification = (message: pg.Notification) => {
        const payload = message.payload ?? "";
        if (message.channel !== commitChannelName || !payload.startsWith(prefix)) return;
        const [, from, position] = payload.split(" ");
        if (from === instance) return;
        const value = Number(position);
        if (Number.isSafeInteger(value)) onPosition(value);
      };

      const connect = async (): Promise<void> => {
        const next = new pg.Client({ connectionString: options.connectionString, connectionTimeoutMillis: options.connectTimeoutMs, keepAlive: true });
        next.on("error", () => undefined);
        next.on("notification", onNotification);
        next.on("end", () => {
          if (client === next) client = undefined;
          if (!stopped) schedule();
        });
        await next.connect();
        await next.query(`LISTEN ${commitChannelName}`);
        if (stopped) {
          await next.end().catch(() => undefined);
          return;
        }
        client = next;
      };

      const schedule = () => {
        if (stopped || timer) return;
        const delay = reconnectDelaysMs[Math.min(attempt, reconnectDelaysMs.length - 1)]!;
        attempt += 1;
        timer = setTimeout(() => {
          timer = undefined;
          connect().then(
            () => {
              attempt = 0;
              onReconnect();
            },
            () => schedule(),
          );
        }, delay);
        timer.unref();
      };

      // The first connection must work: a store that cannot listen does not start.
      await connect();
      return async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        const current = client;
        client = undefined;
        await current?.end().catch(() => undefined);
      };
    },
  };
}
