/**
 * The domain errors services raise. They are defined in the engine (server/engine/errors.ts) so
 * the layers below services (stores, schemas) can raise and name them too; services keep
 * importing them from beside themselves.
 */
export * from '../engine/errors';
