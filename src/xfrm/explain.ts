/** Explanations the kernel never gives: which SAs came closest to a failed lookup, and what the secpath held when a template check failed (no kernel counterpart; DESIGN.md "What a person sees"). */

import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import { hex8, type XfrmSecPathEntry } from './output.js';
import type { XfrmTmpl } from './policy.js';
import type { XfrmState } from './state.js';

export interface InboundKey {
  readonly daddr: Ipv6Address;
  readonly spi: number;
  readonly proto: 'esp' | 'ah';
  readonly mark: number;
}

/**
 * The SAs that match all but the fewest fields of an inbound lookup (dst, spi, proto, mark), at
 * most two, each with the fields that differ: "nearest: ah spi 0x000010e1 dst 4321::3 (differs in
 * dst)". An SA that shares no field at all is not near.
 */
export function nearestInbound(states: readonly XfrmState[], key: InboundKey): string {
  const scored = states
    .map((x) => {
      const diff: string[] = [];
      if (!sameAddr(x.daddr, key.daddr)) diff.push('dst');
      if (x.spi !== key.spi) diff.push('spi');
      if (x.proto !== key.proto) diff.push('proto');
      if ((key.mark & x.mark.m) >>> 0 !== x.mark.v >>> 0) diff.push('mark');
      return { x, diff };
    })
    .filter((c) => c.diff.length < 4)
    .sort((a, b) => a.diff.length - b.diff.length);
  if (scored.length === 0) return 'nearest: none';
  const best = scored[0]!.diff.length;
  const near = scored.filter((c) => c.diff.length === best).slice(0, 2);
  return `nearest: ${near.map((c) => `${describeState(c.x)} (differs in ${c.diff.join(', ')})`).join('; ')}`;
}

export function describeState(x: XfrmState): string {
  return `${x.proto} spi 0x${hex8(x.spi)} src ${formatIpv6Address(x.saddr)} dst ${formatIpv6Address(x.daddr)} mode ${x.mode}`;
}

/** The secpath in words, outermost first: "ah transport spi 0x000010e1, esp tunnel spi 0x00000100", or "empty". */
export function describeSecPath(sp: readonly XfrmSecPathEntry[]): string {
  if (sp.length === 0) return 'empty (the packet arrived unprotected)';
  return sp.map((e) => `${e.proto} ${e.mode} spi 0x${hex8(e.spi)}${e.reqid ? ` reqid ${e.reqid}` : ''}`).join(', ');
}

export function describeTmpl(t: XfrmTmpl): string {
  const parts = [`${t.proto} ${t.mode}`];
  if (t.reqid) parts.push(`reqid ${t.reqid}`);
  if (t.spi) parts.push(`spi 0x${hex8(t.spi)}`);
  if (t.mode === 'tunnel') parts.push(`src ${formatIpv6Address(t.src)}`);
  parts.push(`level ${t.level}`);
  return parts.join(' ');
}

function sameAddr(a: Ipv6Address, b: Ipv6Address): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}
