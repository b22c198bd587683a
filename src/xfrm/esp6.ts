/** ESP for IPv6: encrypt/decrypt and transport/tunnel output and input (RFC 4303; kernel: net/ipv6/esp6.c esp6_output_tail, esp6_input, esp_remove_trailer). */

import type { PreparedAead } from '../crypto/aead.js';
import type { PreparedAuth } from '../crypto/auth.js';
import type { PreparedCipher } from '../crypto/cipher.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import {
  buildEspPlaintext,
  ESP_HEADER_LENGTH,
  ESP_TRAILER_LENGTH,
  emitEspHeader,
  espPadBlock,
  parseEspHeader,
  parseEspTrailer,
} from '../wire/esp.js';
import { concatBytes } from '../wire/hex.js';
import { IPV6_HEADER_LENGTH } from '../wire/ipv6.js';
import { IPPROTO } from '../wire/proto.js';
import { expectOk } from '../wire/result.js';
import {
  joinTransport,
  nextHeaderOffsetBefore,
  setPayloadLength,
  splitForTransport,
  type TunnelOuter,
  tunnelOuterHeader,
} from './xfrm6-mode.js';

/**
 * An ESP SA's algorithms: `enc` with an optional `auth` (the kernel's authenc(auth, enc); no auth
 * means no ICV), or one `aead`.
 */
export type EspCrypto = { readonly cipher: PreparedCipher; readonly auth?: PreparedAuth } | { readonly aead: PreparedAead };

export interface Esp6OutputParams {
  readonly crypto: EspCrypto;
  readonly spi: number;
  /** Low 32 bits of the output sequence number. */
  readonly seq: number;
  /** High 32 bits with `flag esn`: authenticated, never sent (RFC 4303 section 2.2.1). */
  readonly seqHi?: number;
  /**
   * The IV field: the caller makes it (echainivIv / seqivIv from the seeded source, or the kernel's
   * own IV to reproduce a capture). Its length must be the algorithm's ivLength.
   */
  readonly iv: Uint8Array;
  /** TFC padding: zero bytes added after the payload, before the ESP padding (`tfcpad`). */
  readonly tfcLength?: number;
}

/** Why esp6 refuses a packet on input; each counts XfrmInStateProtoError. */
export type Esp6DropReason =
  /** Shorter than header + IV + something to decrypt, or than the ICV. */
  | 'truncated'
  /** Ciphertext not a whole number of cipher blocks (the cipher's EINVAL, after the ICV check). */
  | 'bad-length'
  /** The ICV does not verify (-EBADMSG; also the SA's "failed" statistic). */
  | 'icv-mismatch'
  /** pad length + 2 + ICV >= encrypted length (esp_remove_trailer: "packet is garbage"). */
  | 'bad-pad-length'
  /** Next header 59: an RFC 4303 dummy packet, dropped (with an error count, as Linux does). */
  | 'dummy-packet';

export type Esp6Drop = { readonly kind: 'drop'; readonly reason: Esp6DropReason; readonly detail: string };

export interface Esp6Decrypted {
  readonly kind: 'ok';
  readonly spi: number;
  readonly seq: number;
  readonly iv: Uint8Array;
  readonly payload: Uint8Array;
  readonly nextHeader: number;
  readonly padLength: number;
  /** As received; the kernel does not check the pad contents. */
  readonly padding: Uint8Array;
}

export type Esp6DecryptResult = Esp6Decrypted | Esp6Drop;

export type Esp6InputResult =
  | (Esp6Decrypted & {
      /** Transport mode result: ESP removed, the preceding next-header byte and payload length fixed. */
      readonly packet: Uint8Array;
      /** The IPv6 header and extension headers in front of ESP, as received. */
      readonly header: Uint8Array;
    })
  | Esp6Drop;

const drop = (reason: Esp6DropReason, detail: string): Esp6Drop => ({ kind: 'drop', reason, detail });

const isAead = (c: EspCrypto): c is { readonly aead: PreparedAead } => 'aead' in c;

/** IV bytes in each packet for these algorithms. */
export function espIvLength(crypto: EspCrypto): number {
  return isAead(crypto) ? crypto.aead.ivLength : crypto.cipher.ivLength;
}

/** ICV bytes at the end of each packet. */
export function espIcvLength(crypto: EspCrypto): number {
  return isAead(crypto) ? crypto.aead.icvLength : (crypto.auth?.icvLength ?? 0);
}

/** The padding block: ALIGN(crypto block size, 4) (esp6_output). */
export function espBlockSize(crypto: EspCrypto): number {
  return espPadBlock(isAead(crypto) ? crypto.aead.blockSize : crypto.cipher.blockSize);
}

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

/** The AEAD's associated data: SPI | seq, or SPI | seq hi | seq lo with ESN (RFC 4106 section 5). */
function aeadAad(header: Uint8Array, seqHi: number | undefined): Uint8Array {
  if (seqHi === undefined) return header;
  const aad = new Uint8Array(12);
  aad.set(header.subarray(0, 4), 0);
  aad.set(u32be(seqHi), 4);
  aad.set(header.subarray(4, 8), 8);
  return aad;
}

/**
 * The ESP bytes for `payload` (esp6_output_tail): SPI | seq | IV | E(payload | TFC zeros |
 * 1, 2, ... n | n | nextHeader) | ICV, the plaintext padded to ALIGN(payload + 2, espBlockSize).
 * With enc + auth the ICV is HMAC over SPI | seq | IV | ciphertext (then seq hi with ESN).
 */
export function esp6Encrypt(payload: Uint8Array, nextHeader: number, p: Esp6OutputParams): Uint8Array {
  const ivLength = espIvLength(p.crypto);
  if (p.iv.length !== ivLength) throw new RangeError(`esp6: IV must be ${ivLength} bytes, got ${p.iv.length}`);
  const tfc = p.tfcLength ?? 0;
  const body = tfc > 0 ? concatBytes(payload, new Uint8Array(tfc)) : payload;
  const header = emitEspHeader({ spi: p.spi, seq: p.seq });
  if (isAead(p.crypto)) {
    const plaintext = buildEspPlaintext(body, nextHeader, p.crypto.aead.blockSize);
    return concatBytes(header, p.iv, p.crypto.aead.seal(p.iv, aeadAad(header, p.seqHi), plaintext));
  }
  const { cipher, auth } = p.crypto;
  const ciphertext = cipher.encrypt(p.iv, buildEspPlaintext(body, nextHeader, cipher.blockSize));
  if (!auth) return concatBytes(header, p.iv, ciphertext);
  const icv = p.seqHi === undefined ? auth.mac(header, p.iv, ciphertext) : auth.mac(header, p.iv, ciphertext, u32be(p.seqHi));
  return concatBytes(header, p.iv, ciphertext, icv);
}

/**
 * Verifies and decrypts ESP bytes (esp6_input + esp_remove_trailer), checking in the kernel's
 * order: header + IV present and something after them; the ICV (before any decryption); the
 * ciphertext a whole number of blocks; pad length + 2 + ICV below the encrypted length; next
 * header not 59.
 */
export function esp6Decrypt(esp: Uint8Array, crypto: EspCrypto, opts: { readonly seqHi?: number } = {}): Esp6DecryptResult {
  const ivLength = espIvLength(crypto);
  const icvLength = espIcvLength(crypto);
  const hlen = ESP_HEADER_LENGTH + ivLength;
  const elen = esp.length - hlen;
  if (esp.length < hlen || elen <= 0)
    return drop('truncated', `ESP of ${esp.length} bytes has nothing after header and ${ivLength}-byte IV`);
  if (elen < icvLength) return drop('truncated', `${elen} bytes after the IV cannot hold a ${icvLength}-byte ICV`);
  const { spi, seq } = expectOk(parseEspHeader(esp));
  const header = esp.subarray(0, ESP_HEADER_LENGTH);
  const iv = esp.slice(ESP_HEADER_LENGTH, hlen);
  const ciphertext = esp.subarray(hlen, esp.length - icvLength);
  let plaintext: Uint8Array;
  if (isAead(crypto)) {
    const opened = crypto.aead.open(iv, aeadAad(header, opts.seqHi), esp.subarray(hlen));
    if (!opened) return drop('icv-mismatch', 'ESP ICV does not verify');
    plaintext = opened;
  } else {
    const { cipher, auth } = crypto;
    if (auth) {
      const covered = esp.subarray(0, esp.length - icvLength);
      const parts = opts.seqHi === undefined ? [covered] : [covered, u32be(opts.seqHi)];
      if (!constantTimeEqual(auth.mac(...parts), esp.subarray(esp.length - icvLength)))
        return drop('icv-mismatch', 'ESP ICV does not verify');
    }
    if (ciphertext.length % cipher.blockSize !== 0) {
      return drop('bad-length', `${ciphertext.length} bytes of ciphertext is not a multiple of the ${cipher.blockSize}-byte block`);
    }
    plaintext = cipher.decrypt(iv, ciphertext);
  }
  const padLength = plaintext.length > 0 ? plaintext[plaintext.length - ESP_TRAILER_LENGTH]! : 0;
  if (plaintext.length < ESP_TRAILER_LENGTH || padLength + ESP_TRAILER_LENGTH + icvLength >= elen) {
    return drop('bad-pad-length', `pad length ${padLength} + 2 + ICV ${icvLength} >= ${elen} encrypted bytes`);
  }
  const trailer = expectOk(parseEspTrailer(plaintext));
  if (trailer.nextHeader === IPPROTO.NONE) return drop('dummy-packet', 'next header 59 (dummy packet)');
  return {
    kind: 'ok',
    spi,
    seq,
    iv,
    payload: trailer.payload,
    nextHeader: trailer.nextHeader,
    padLength: trailer.padLength,
    padding: trailer.padding,
  };
}

/** Output can only fail on a packet whose extension headers overrun it (xfrm6_hdr_offset < 0). */
export type Esp6OutputResult =
  | { readonly kind: 'ok'; readonly packet: Uint8Array }
  | { readonly kind: 'drop'; readonly reason: 'truncated'; readonly detail: string };

/** Transport mode (xfrm6_transport_output + esp6_output): ESP after the per-fragment headers, their next header in the trailer. */
export function esp6TransportOutput(packet: Uint8Array, p: Esp6OutputParams): Esp6OutputResult {
  const split = splitForTransport(packet);
  if (!split.ok) return { kind: 'drop', reason: 'truncated', detail: split.error.detail };
  const { header, nextHeaderOffset, protocol, payload } = split.value;
  return { kind: 'ok', packet: joinTransport(header, nextHeaderOffset, IPPROTO.ESP, esp6Encrypt(payload, protocol, p)) };
}

/** Tunnel mode: a new outer header (see tunnelOuterHeader), ESP with next header 41 around the whole inner packet. */
export function esp6TunnelOutput(inner: Uint8Array, p: Esp6OutputParams & { readonly outer: TunnelOuter }): Esp6OutputResult {
  const esp = esp6Encrypt(inner, IPPROTO.IPV6, p);
  const out = new Uint8Array(IPV6_HEADER_LENGTH + esp.length);
  out.set(tunnelOuterHeader(inner, p.outer, IPPROTO.ESP, esp.length), 0);
  out.set(esp, IPV6_HEADER_LENGTH);
  setPayloadLength(out);
  return { kind: 'ok', packet: out };
}

/**
 * esp6_input for ESP at `espOffset` of `packet` (IPv6 header first). The result carries the
 * decrypted payload (the inner packet for a tunnel SA) and the transport-mode packet.
 */
export function esp6Input(
  packet: Uint8Array,
  espOffset: number,
  crypto: EspCrypto,
  opts: { readonly seqHi?: number } = {},
): Esp6InputResult {
  const nhoff = nextHeaderOffsetBefore(packet, espOffset);
  if (!nhoff.ok) return drop('truncated', nhoff.error.detail);
  const r = esp6Decrypt(packet.subarray(espOffset), crypto, opts);
  if (r.kind === 'drop') return r;
  const header = packet.slice(0, espOffset);
  const nextHeaderOffset = nhoff.value;
  // The transport-mode packet is built on first use: a tunnel SA only needs the inner packet.
  let joined: Uint8Array | undefined;
  return {
    kind: 'ok',
    spi: r.spi,
    seq: r.seq,
    iv: r.iv,
    payload: r.payload,
    nextHeader: r.nextHeader,
    padLength: r.padLength,
    padding: r.padding,
    header,
    get packet() {
      joined ??= joinTransport(header, nextHeaderOffset, r.nextHeader, r.payload);
      return joined;
    },
  };
}
