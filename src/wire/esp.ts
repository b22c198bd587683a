/** ESP framing, without the crypto (RFC 4303 section 2; kernel: esp6.c, include/net/esp.h esp_output_fill_trailer). */

import { fail, ok, type Parsed, truncated } from './result.js';

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
// |               Security Parameters Index (SPI)                 | ^Int.
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Cov-
// |                      Sequence Number                          | |ered
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ | ----
// |                    IV, then Payload Data (variable)           | |   ^
// ~                                                               ~ |   |
// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Conf.
// |               |     Padding (0-255 bytes)                     | |Cov-
// +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |ered*
// |                               |  Pad Length   | Next Header   | v   v
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ------
// |         Integrity Check Value-ICV   (variable)                |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
export const ESP_SPI = 0;
export const ESP_SEQ = 4;
export const ESP_HEADER_LENGTH = 8;
/** Pad length and next header. */
export const ESP_TRAILER_LENGTH = 2;

export interface EspHeaderRepr {
  readonly spi: number;
  readonly seq: number;
}

export function parseEspHeader(bytes: Uint8Array, offset = 0): Parsed<EspHeaderRepr> {
  const have = bytes.length - offset;
  if (have < ESP_HEADER_LENGTH) return truncated('esp', ESP_HEADER_LENGTH, Math.max(0, have));
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, ESP_HEADER_LENGTH);
  return ok({ spi: v.getUint32(ESP_SPI), seq: v.getUint32(ESP_SEQ) });
}

export function emitEspHeader(repr: EspHeaderRepr): Uint8Array {
  const out = new Uint8Array(ESP_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint32(ESP_SPI, repr.spi >>> 0);
  v.setUint32(ESP_SEQ, repr.seq >>> 0);
  return out;
}

/** The kernel pads to the cipher block size rounded up to 4 (esp6_output: ALIGN(crypto_aead_blocksize, 4)). */
export function espPadBlock(cipherBlockSize: number): number {
  return (cipherBlockSize + 3) & ~3;
}

/** Length of payload + padding + trailer: ALIGN(payload + 2, ALIGN(block, 4)). */
export function espPaddedLength(payloadLength: number, cipherBlockSize: number): number {
  const block = espPadBlock(cipherBlockSize);
  return Math.ceil((payloadLength + ESP_TRAILER_LENGTH) / block) * block;
}

/** payload | 1, 2, 3, ... n | n | next header: the bytes that get encrypted (RFC 4303 section 2.4 default padding). */
export function buildEspPlaintext(payload: Uint8Array, nextHeader: number, cipherBlockSize: number): Uint8Array {
  const total = espPaddedLength(payload.length, cipherBlockSize);
  const padLength = total - payload.length - ESP_TRAILER_LENGTH;
  const out = new Uint8Array(total);
  out.set(payload, 0);
  for (let i = 0; i < padLength; i++) out[payload.length + i] = i + 1;
  out[total - 2] = padLength;
  out[total - 1] = nextHeader;
  return out;
}

export interface EspTrailerRepr {
  readonly payload: Uint8Array;
  readonly padLength: number;
  readonly nextHeader: number;
  readonly padding: Uint8Array;
  /** Whether the padding is 1, 2, 3, ...: the kernel does not check it, so this is information only. */
  readonly padOk: boolean;
}

/** Splits decrypted bytes; the kernel only requires pad length + 2 to fit (esp_remove_trailer). */
export function parseEspTrailer(plaintext: Uint8Array): Parsed<EspTrailerRepr> {
  if (plaintext.length < ESP_TRAILER_LENGTH) return truncated('esp.trailer', ESP_TRAILER_LENGTH, plaintext.length);
  const padLength = plaintext[plaintext.length - 2]!;
  const nextHeader = plaintext[plaintext.length - 1]!;
  if (padLength + ESP_TRAILER_LENGTH > plaintext.length) {
    return fail('malformed', 'esp.padLength', `pad length ${padLength} + 2 exceeds the ${plaintext.length} decrypted bytes`);
  }
  const payloadEnd = plaintext.length - ESP_TRAILER_LENGTH - padLength;
  const padding = plaintext.slice(payloadEnd, plaintext.length - ESP_TRAILER_LENGTH);
  let padOk = true;
  for (let i = 0; i < padding.length; i++) if (padding[i] !== i + 1) padOk = false;
  return ok({ payload: plaintext.slice(0, payloadEnd), padLength, nextHeader, padding, padOk });
}
