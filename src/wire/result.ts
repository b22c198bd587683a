/** Result values for decoding untrusted bytes: a parse never throws, it says what was wrong. */

export type WireErrorKind = 'truncated' | 'malformed' | 'unsupported';

export interface WireError {
  readonly kind: WireErrorKind;
  /** The header or field being decoded, e.g. "ipv6", "ah.payloadLen". */
  readonly what: string;
  /** Plain words, e.g. "needs 40 bytes, has 12". */
  readonly detail: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail<T = never>(kind: WireErrorKind, what: string, detail: string): Parsed<T> {
  return { ok: false, error: { kind, what, detail } };
}

/** The check every decoder makes first: `need` bytes from `offset` must exist. */
export function truncated<T = never>(what: string, need: number, have: number): Parsed<T> {
  return fail('truncated', what, `needs ${need} bytes, has ${have}`);
}

/** Unwraps a result where the caller built the bytes itself (a failure is a programmer error). */
export function expectOk<T>(r: Parsed<T>): T {
  if (!r.ok) throw new Error(`unexpected ${r.error.kind} ${r.error.what}: ${r.error.detail}`);
  return r.value;
}
