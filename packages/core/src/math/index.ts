/**
 * Pure math of the attribution core: seeded RNG, QMC samplers, perturbation masks, estimators, least squares,
 * aggregation and inference modes, gradient token scores, Insertion/Deletion helpers. No I/O; deterministic
 * for a given seed. Each module's header lists its exports and conventions (mask rows: Uint8Array, 1 = replaced).
 */

export * from './rng.ts';
export * from './qmc.ts';
export * from './masks.ts';
export * from './linalg.ts';
export * from './estimators.ts';
export * from './aggregate.ts';
export * from './gradients.ts';
export * from './metrics.ts';
export * from './step-scores.ts';
