import { expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';

/** Runs `fn`, which must throw a ConfigError, and returns it for assertions. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}
