/**
 * The error graph transforms throw when a model does not have the structure a transform needs. The message says
 * what was looked for, what was found, and which option picks another way.
 *
 * Exports: `TransformError`.
 */
export class TransformError extends Error {
  override name = 'TransformError';
}
