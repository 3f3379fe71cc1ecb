import { abandonedStreams, type AbandonedStreamsOptions } from "./abandoned-streams.js";
import { connectionFlood, type ConnectionFloodOptions } from "./connection-flood.js";
import { metadataFlood, type MetadataFloodOptions } from "./metadata-flood.js";
import { oversizedBodies, type OversizedBodiesOptions } from "./oversized-bodies.js";
import { rapidReset, type RapidResetOptions } from "./rapid-reset.js";
import { slowConnections, type SlowConnectionsOptions } from "./slow-connections.js";

/** The attacks, by name, with their options: each runs in a process of its own (see `harness/attack.ts`). */
export const attacks = {
  abandonedStreams: (options: AbandonedStreamsOptions) => abandonedStreams(options),
  connectionFlood: (options: ConnectionFloodOptions) => connectionFlood(options),
  metadataFlood: (options: MetadataFloodOptions) => metadataFlood(options),
  oversizedBodies: (options: OversizedBodiesOptions) => oversizedBodies(options),
  rapidReset: (options: RapidResetOptions) => rapidReset(options),
  slowConnections: (options: SlowConnectionsOptions) => slowConnections(options),
};

export type AttackName = keyof typeof attacks;

const isEntry = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  const [name, options] = [process.argv[2] as AttackName, JSON.parse(process.argv[3] ?? "{}") as never];
  // Loaded: say so, and start when told.
  process.once("message", () => {
    attacks[name](options).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (error: unknown) => process.send!({ error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1)),
    );
  });
  process.send!({ ready: true });
}
