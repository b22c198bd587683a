/** A stand-in for the stack in the netfilter tests: hosts that pass packets through the hooks in the kernel's order, and the oracle's LOG instrumentation (oracle/semantics/lib.sh nflog, nftrace). */

import { type Hook, Netfilter, type NfPacket, type NfVerdict, type Rule } from '../../../src/stack/netfilter/index.js';
import { formatIpv6Address, parseIpv6Address } from '../../../src/wire/ipv6-address.js';

export class Host {
  readonly nf: Netfilter;
  /** The kernel log; hosts may share one to keep the order packets were seen in. */
  readonly log: string[];
  /** Verdicts in the order the hooks ran. */
  readonly verdicts: { hook: Hook; verdict: NfVerdict }[] = [];

  constructor(
    readonly name: string,
    opts: { alwaysTrack?: boolean; log?: string[] } = {},
  ) {
    this.nf = new Netfilter({ alwaysTrack: opts.alwaysTrack });
    this.log = opts.log ?? [];
  }

  hook(hook: Hook, pkt: NfPacket, nowUs: number): NfVerdict {
    const verdict = this.nf.runHook(hook, pkt, { nowUs, log: (line) => this.log.push(line) });
    this.verdicts.push({ hook, verdict });
    return verdict;
  }

  /** Hooks in order while the verdict is accept; the packet carries what each hook did to it. */
  path(hooks: readonly Hook[], pkt: NfPacket, nowUs: number): NfVerdict {
    let p = pkt;
    let v: NfVerdict | undefined;
    for (const h of hooks) {
      v = this.hook(h, p, nowUs);
      if (v.kind !== 'accept') return v;
      p = v.pkt;
    }
    return v!;
  }

  /** A locally generated packet: OUTPUT, POSTROUTING. */
  send(pkt: NfPacket, nowUs: number): NfVerdict {
    return this.path(['OUTPUT', 'POSTROUTING'], { outDev: 'eth0', ...pkt }, nowUs);
  }

  /** A packet for this host: PREROUTING, INPUT. */
  receive(pkt: NfPacket, nowUs: number): NfVerdict {
    return this.path(['PREROUTING', 'INPUT'], { inDev: 'eth0', ...pkt }, nowUs);
  }

  /** A forwarded packet: PREROUTING, FORWARD, POSTROUTING. */
  forward(pkt: NfPacket, nowUs: number): NfVerdict {
    return this.path(['PREROUTING', 'FORWARD', 'POSTROUTING'], pkt, nowUs);
  }

  /** The conntrack state of the last lookup (PREROUTING or OUTPUT). */
  lastState(): string | undefined {
    for (let i = this.verdicts.length - 1; i >= 0; i--) {
      for (const s of this.verdicts[i]!.verdict.steps) if (s.kind === 'conntrack') return s.state;
    }
    return undefined;
  }
}

const LOG = (prefix: string): Rule => ({ target: { kind: 'LOG', prefix, level: 4, logflags: 0 } });

/**
 * lib.sh nflog(): a LOG rule in every chain of raw, mangle, filter, and in mangle one per ctstate
 * and one per xt_policy direction the chain allows, with prefixes "ns:t:CHAIN[:tag] ".
 */
export function nflog(host: Host): void {
  const short: Record<Hook, string> = { PREROUTING: 'PRE', INPUT: 'IN', FORWARD: 'FWD', OUTPUT: 'OUT', POSTROUTING: 'POST' };
  const tables = {
    raw: ['PREROUTING', 'OUTPUT'],
    mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
    filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  } as const;
  for (const t of ['raw', 'mangle', 'filter'] as const) {
    for (const c of tables[t]) {
      const p = `${host.name}:${t[0]}:${short[c]}`;
      host.nf.append(t, c, LOG(`${p} `));
      if (t !== 'mangle') continue;
      for (const s of ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED'] as const) {
        host.nf.append(t, c, { matches: [{ kind: 'conntrack', state: { states: [s] } }], target: LOG(`${p}:${s.slice(0, 5)} `).target });
      }
      const pin: Rule = { matches: [{ kind: 'policy', dir: 'in', pol: 'ipsec', elements: [{}] }], target: LOG(`${p}:pin `).target };
      const pout: Rule = { matches: [{ kind: 'policy', dir: 'out', pol: 'ipsec', elements: [{}] }], target: LOG(`${p}:pout `).target };
      if (c === 'PREROUTING' || c === 'INPUT') host.nf.append(t, c, pin);
      if (c === 'OUTPUT' || c === 'POSTROUTING') host.nf.append(t, c, pout);
      if (c === 'FORWARD') {
        host.nf.append(t, c, pin);
        host.nf.append(t, c, pout);
      }
    }
  }
}

/**
 * lib.sh nftrace(): "prefix(padded to 22) rest" with neighbour discovery and MLD left out,
 * addresses shortened and MAC, LEN, TC, HOPLIMIT, FLOWLBL, ID, SEQ, RES, WINDOW, URGP, CODE dropped.
 */
export function nftrace(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = /^(\S+:[rmf]:\S+) ?(.*)$/.exec(line.trimEnd());
    if (!m) continue;
    let rest = m[2]!;
    if (/TYPE=(133|134|135|136|143) /.test(rest)) continue;
    rest = rest.replace(/(SRC|DST)=([0-9a-f:]+)/g, (_all, k: string, a: string) => {
      const p = parseIpv6Address(a);
      return `${k}=${p.ok ? formatIpv6Address(p.value) : a}`;
    });
    rest = rest.replace(/ (MAC|LEN|TC|HOPLIMIT|FLOWLBL|ID|SEQ|RES|WINDOW|URGP|CODE)=[^ ]*/g, '');
    out.push(`${m[1]!.padEnd(22)} ${rest.trim()}`);
  }
  return out;
}

/** e10.sh show(): mangle OUTPUT/INPUT/PREROUTING lines without xt_policy tags, "prefix rest", filtered by `pattern`. */
export function show(lines: readonly string[], pattern: RegExp): string[] {
  return nftrace(lines)
    .filter((l) => /:m:(OUT|IN|PRE):/.test(l) && !/:pin|:pout/.test(l))
    .map((l) => l.replace(/^(\S+) +/, '$1 '))
    .filter((l) => pattern.test(l));
}

/** The state -m conntrack --ctstate sees on the packet after `v`. */
export function stateOf(v: NfVerdict): string {
  const ct = v.pkt.ct;
  if (!ct) return 'INVALID';
  return ct.kind === 'untracked' ? 'UNTRACKED' : ct.info;
}
