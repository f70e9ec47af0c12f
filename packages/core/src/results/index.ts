/**
 * Outputs without the model: re-pooling (`reaggregate`), combining (`diff`, `mean`), and the versioned JSON format
 * (`saveAttributions`, `loadAttributions`, its schema).
 */
export { diff, mean, reaggregate, type ReaggregateOptions } from './reaggregate.ts';
export { loadAttributions, saveAttributions, type SavedAttributions } from './format.ts';
export { ATTRIBUTIONS_SCHEMA_V1, FORMAT_VERSION } from './schema.ts';
