/** Constant-time comparison and key wiping (what the kernel's crypto_memneq and memzero_explicit give ah6/esp6). */

/**
 * True when `a` and `b` hold the same bytes. The time taken depends only on the lengths (checked
 * first: an ICV of the wrong length is no secret), never on where the first difference is, so a
 * forger learns nothing from timing how long a wrong ICV takes to be refused.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A MAC's constant-time check of a received ICV over one buffer or the concatenation of several. */
export function icvVerifier(
  mac: (...data: readonly Uint8Array[]) => Uint8Array,
): (data: Uint8Array | readonly Uint8Array[], icv: Uint8Array) => boolean {
  return (data, icv) => constantTimeEqual(data instanceof Uint8Array ? mac(data) : mac(...data), icv);
}

/** Overwrites key material with zeros once it is no longer needed. */
export function wipe(...arrays: readonly (Uint8Array | Uint32Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}
