/** ALGO-KEYMAT strings read as iproute2 reads them (ip: xfrm_state.c xfrm_algo_parse; lib/utils.c get_u8, invarg). */

/** XFRM_ALGO_KEY_BUF_SIZE: iproute2's key buffer; a longer key is refused before anything is sent. */
export const KEYMAT_MAX_BYTES = 512;

export type KeyStringResult =
  | { readonly ok: true; readonly key: Uint8Array }
  | {
      readonly ok: false;
      readonly reason: 'invalid' | 'overflow';
      /** Exactly what `ip` writes to stderr (with its newlines); ip then exits with status 255. */
      readonly stderr: string;
    };

/** The exit status of `ip` after invarg(): exit(-1). */
export const KEYMAT_ERROR_EXIT_STATUS = 255;

const utf8 = new TextEncoder();

/**
 * Turns the KEY word of `enc|auth|auth-trunc|aead NAME KEY` into key bytes.
 * - `0x` followed by at least one character: hex, two digits a byte; an odd digit count reads as
 *   if a `0` led it (`0x123` = 01 23).
 * - anything else, including `0x` alone and the empty string: the bytes of the word itself
 *   (`1234` = 31 32 33 34; argv bytes, so non-ASCII text is its UTF-8 encoding).
 */
export function parseKeyString(text: string): KeyStringResult {
  const bytes = utf8.encode(text);
  if (bytes.length > 2 && bytes[0] === 0x30 && bytes[1] === 0x78) {
    const digits = bytes.subarray(2);
    const length = (digits.length + 1) >> 1;
    if (length > KEYMAT_MAX_BYTES) return overflow(text);
    const key = new Uint8Array(length);
    // With an odd count the first byte is "0" + the first digit, then pairs follow.
    let i = -(digits.length % 2);
    for (let j = 0; j < length; j++, i += 2) {
      const hi = i >= 0 ? digits[i]! : 0x30;
      const value = hexPairValue(hi, digits[i + 1]!);
      if (value === undefined) return invalid(text);
      key[j] = value;
    }
    return { ok: true, key };
  }
  if (bytes.length > KEYMAT_MAX_BYTES) return overflow(text);
  return { ok: true, key: bytes };
}

function invalid(text: string): KeyStringResult {
  return { ok: false, reason: 'invalid', stderr: `Error: argument "${text}" is wrong: ALGO-KEYMAT value is invalid\n` };
}

function overflow(text: string): KeyStringResult {
  // iproute2's message text itself ends in "\n", and invarg adds another.
  return { ok: false, reason: 'overflow', stderr: `Error: argument "${text}" is wrong: ALGO-KEYMAT value makes buffer overflow\n\n` };
}

/** isspace() in the C locale. */
const isCSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function hexDigit(c: number): number | undefined {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return undefined;
}

/**
 * get_u8(&val, "<a><b>", 16): glibc strtoul on a two-character string, then "whole string used"
 * and "at most 0xff". So besides two hex digits strtoul also takes a leading space (" f"), a plus
 * sign ("+f") and minus zero ("-0" is 0; "-f" wraps to a huge value and is refused).
 */
function hexPairValue(a: number, b: number): number | undefined {
  const da = hexDigit(a);
  const db = hexDigit(b);
  if (da !== undefined && db !== undefined) return da * 16 + db;
  if (db === undefined) return undefined;
  if (isCSpace(a) || a === 0x2b) return db;
  if (a === 0x2d && db === 0) return 0;
  return undefined;
}
