/** ICMPv6 type names of `--icmpv6-type`, and how ip6tables reads the option (iptables 1.8.9: extensions/libxt_icmp.h icmpv6_codes, __parse_icmp). */

export interface Icmpv6TypeName {
  readonly name: string;
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
}

/** In ip6tables' order, aliases included; printing picks the first entry with the same type and codes. */
export const ICMPV6_TYPE_NAMES: readonly Icmpv6TypeName[] = [
  { name: 'destination-unreachable', type: 1, codeMin: 0, codeMax: 0xff },
  { name: 'no-route', type: 1, codeMin: 0, codeMax: 0 },
  { name: 'communication-prohibited', type: 1, codeMin: 1, codeMax: 1 },
  { name: 'beyond-scope', type: 1, codeMin: 2, codeMax: 2 },
  { name: 'address-unreachable', type: 1, codeMin: 3, codeMax: 3 },
  { name: 'port-unreachable', type: 1, codeMin: 4, codeMax: 4 },
  { name: 'failed-policy', type: 1, codeMin: 5, codeMax: 5 },
  { name: 'reject-route', type: 1, codeMin: 6, codeMax: 6 },
  { name: 'packet-too-big', type: 2, codeMin: 0, codeMax: 0xff },
  { name: 'time-exceeded', type: 3, codeMin: 0, codeMax: 0xff },
  { name: 'ttl-exceeded', type: 3, codeMin: 0, codeMax: 0xff },
  { name: 'ttl-zero-during-transit', type: 3, codeMin: 0, codeMax: 0 },
  { name: 'ttl-zero-during-reassembly', type: 3, codeMin: 1, codeMax: 1 },
  { name: 'parameter-problem', type: 4, codeMin: 0, codeMax: 0xff },
  { name: 'bad-header', type: 4, codeMin: 0, codeMax: 0 },
  { name: 'unknown-header-type', type: 4, codeMin: 1, codeMax: 1 },
  { name: 'unknown-option', type: 4, codeMin: 2, codeMax: 2 },
  { name: 'echo-request', type: 128, codeMin: 0, codeMax: 0xff },
  { name: 'ping', type: 128, codeMin: 0, codeMax: 0xff },
  { name: 'echo-reply', type: 129, codeMin: 0, codeMax: 0xff },
  { name: 'pong', type: 129, codeMin: 0, codeMax: 0xff },
  { name: 'router-solicitation', type: 133, codeMin: 0, codeMax: 0xff },
  { name: 'router-advertisement', type: 134, codeMin: 0, codeMax: 0xff },
  { name: 'neighbour-solicitation', type: 135, codeMin: 0, codeMax: 0xff },
  { name: 'neighbor-solicitation', type: 135, codeMin: 0, codeMax: 0xff },
  { name: 'neighbour-advertisement', type: 136, codeMin: 0, codeMax: 0xff },
  { name: 'neighbor-advertisement', type: 136, codeMin: 0, codeMax: 0xff },
  { name: 'redirect', type: 137, codeMin: 0, codeMax: 0xff },
];

export type Icmpv6TypeParse =
  | { readonly ok: true; readonly type: number; readonly codeMin: number; readonly codeMax: number }
  | { readonly ok: false; readonly message: string };

/** xtables_strtoui with base 0 (C literals: 0x.. hex, 0.. octal) over a prefix; the rest is returned. */
function strtoui(s: string, max: number): { value: number; rest: string } | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return undefined;
  const text = m[0];
  const value = /^0[xX]/.test(text)
    ? Number.parseInt(text.slice(2), 16)
    : text.length > 1 && text[0] === '0'
      ? Number.parseInt(text, 8)
      : Number(text);
  if (value > max) return undefined;
  return { value, rest: s.slice(text.length) };
}

/** `a` or `a:b`, each 0..255 (parse_range). */
function range(s: string): { lo: number; hi: number; rest: string } | undefined {
  const a = strtoui(s, 255);
  if (!a) return undefined;
  if (!a.rest.startsWith(':')) return { lo: a.value, hi: a.value, rest: a.rest };
  const b = strtoui(a.rest.slice(1), 255);
  if (!b) return undefined;
  return { lo: a.value, hi: b.value, rest: b.rest };
}

/**
 * The argument of `--icmpv6-type`: a name or unambiguous prefix of one (any case), or
 * `type[/code[:code]]` in numbers. The messages are ip6tables' own.
 */
export function parseIcmpv6Type(text: string): Icmpv6TypeParse {
  let match: Icmpv6TypeName | undefined;
  for (const entry of ICMPV6_TYPE_NAMES) {
    if (!entry.name.toLowerCase().startsWith(text.toLowerCase())) continue;
    if (match) return { ok: false, message: `Ambiguous ICMPv6 type \`${text}': \`${match.name}' or \`${entry.name}'?` };
    match = entry;
  }
  if (match) return { ok: true, type: match.type, codeMin: match.codeMin, codeMax: match.codeMax };
  const t = range(text);
  if (!t) return { ok: false, message: `Unknown ICMPv6 type \`${text}'` };
  let codeMin = 0;
  let codeMax = 255;
  if (t.rest.startsWith('/')) {
    const c = range(t.rest.slice(1));
    if (!c) return { ok: false, message: `Unknown ICMPv6 code \`${text}'` };
    if (c.rest !== '') return { ok: false, message: `unknown character ${c.rest[0]}` };
    codeMin = c.lo;
    codeMax = c.hi;
  } else if (t.rest !== '') {
    return { ok: false, message: `unknown character ${t.rest[0]}` };
  }
  if (t.lo !== t.hi) return { ok: false, message: 'ICMPv6 type range not supported' };
  return { ok: true, type: t.lo, codeMin, codeMax };
}
