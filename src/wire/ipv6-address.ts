/** IPv6 addresses as 16 bytes: text in and out as inet_pton/inet_ntop (glibc) read and print them. */

import { fail, ok, type Parsed } from './result.js';

export type Ipv6Address = Uint8Array;

export const IPV6_ADDRESS_LENGTH = 16;
export const UNSPECIFIED: Ipv6Address = new Uint8Array(16);

/** Parses text such as `4321::1`, `fe80::1`, `::ffff:192.0.2.1`; no zone, no prefix. */
export function parseIpv6Address(text: string): Parsed<Ipv6Address> {
  const bad = () => fail<Ipv6Address>('malformed', 'ipv6 address', `"${text}" is not an IPv6 address`);
  if (text.length === 0 || text.length > 45) return bad();
  const halves = text.split('::');
  if (halves.length > 2) return bad();
  // A dotted quad may only end the address: in the part after "::", or in the whole text without one.
  const groups = (part: string, endsAddress: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (endsAddress && i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseDotted(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(Number.parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (!head || !tail) return bad();
  const present = head.length + tail.length;
  if (halves.length === 2 ? present > 7 : present !== 8) return bad();
  const words = [...head, ...new Array<number>(8 - present).fill(0), ...tail];
  const addr = new Uint8Array(16);
  words.forEach((w, i) => {
    addr[2 * i] = w >> 8;
    addr[2 * i + 1] = w & 0xff;
  });
  return ok(addr);
}

function parseDotted(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // glibc's inet_pton4 refuses a leading zero ("1.02.3.4"), which other parsers read as octal.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

/** Formats as glibc's inet_ntop: lowercase, leading zeros dropped, the first longest run of 2+ zero groups as `::`. */
export function formatIpv6Address(addr: Uint8Array, offset = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((addr[offset + 2 * i]! << 8) | addr[offset + 2 * i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) tails print dotted, as glibc does.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      s += `${addr[offset + 12]}.${addr[offset + 13]}.${addr[offset + 14]}.${addr[offset + 15]}`;
      break;
    }
    s += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ':';
  return s;
}

/** Convenience for code and tests that hold literal, known-good addresses. */
export function ipv6(text: string): Ipv6Address {
  const r = parseIpv6Address(text);
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}
