export { openServiceDatabase, isPostgres, type ServiceDatabaseOptions } from "./database.js";
export { createKnexSnapshotStore, type KnexSnapshotStore, type KnexSnapshotStoreOptions } from "./snapshot-store.js";
export { createProjection, type Projection, type ProjectionLag, type ProjectionOptions, type ProjectionSource } from "./projection.js";
export { defaultCheckpointTable } from "./checkpoints.js";
export { InvalidPageTokenError, keysetPage, type KeysetPage } from "./keyset-page.js";
