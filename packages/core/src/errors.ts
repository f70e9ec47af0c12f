/** The core's bad-input error, in a module of its own so that pure modules (the option registry) can throw it. */
export class InputError extends Error {
  override name = 'InputError';
}
