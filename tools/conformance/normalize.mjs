/**
 * What may differ between two runs of the same scenario, on the kernel or in xfrmsim, and is masked before captures are compared.
 * The one copy of these rules: test/conformance (vitest) and tools/conformance/run.mjs (the kernel
 * harness) both import it.
 */

// Each masked field is random per boot or per process on Linux: timestamps, MACs (eth_random_addr)
// and the link-local addresses and solicited-node groups derived from them, ping identifiers,
// flow labels (a hash keyed per boot, or a connection's random txhash), fragment identifications, TCP's ephemeral ports,
// initial sequence numbers and timestamps, and what depends on them (AH ICVs, the MAC hex
// dumps, a TCP checksum's correct value). Values are replaced by their order of first appearance, so a capture where two packets
// share a value and one where they differ still compare unequal.

/** MLD messages (sent by the kernel on address changes, with random delays); the caller says whether to keep them. */
export function isMld(line) {
  return /multicast listener (report|query|done)/.test(line) || /> ff02::16:/.test(line);
}

/**
 * A neighbour-unreachability probe: a solicitation sent to the neighbour's own (unicast) address,
 * and the advertisement answering it. The kernel sends one 5 s (DELAY_FIRST_PROBE_TIME) after a
 * stale entry is used, so whether a capture holds one depends on how long the real commands of
 * the script took; in the simulation commands take no time.
 */
export function nudProbeTarget(line) {
  const m = / > ([0-9a-f:]+): .*neighbor solicitation, length \d+, who has ([0-9a-f:]+)/.exec(line);
  if (m) return m[1].startsWith('ff02:') ? undefined : m[2];
  // The same probe under an ESP or AH policy: ND is the only traffic sent with hop limit 255 from
  // a link-local address, and a probe goes to the neighbour's own address.
  const sealed = /\(hlim 255, next-header (?:ESP|AH) \(\d+\) payload length: \d+\) fe80::[0-9a-f:]+ > ([0-9a-f:]+): (?:ESP|AH)\(/.exec(line);
  if (sealed && !sealed[1].startsWith('ff')) return sealed[1];
  return undefined;
}

/** The capture's lines with random values replaced by aliases; the lines left out go before aliasing. */
/**
 * @param {string} text
 * @param {import('./normalize.mjs').NormalizeOptions} opts
 * @returns {string[]}
 */
export function normalizeCapture(text, opts) {
  /** @type {Map<string, Map<string, string>>} */
  const maps = new Map();
  const alias = (/** @type {string} */ kind, /** @type {string} */ value) => {
    let m = maps.get(kind);
    if (!m) {
      m = new Map();
      maps.set(kind, m);
    }
    let a = m.get(value);
    if (!a) {
      a = `${kind}${m.size + 1}`;
      m.set(value, a);
    }
    return a;
  };
  /** @type {string[]} */
  const out = [];
  let previous = '';
  let skipping = false;
  /** @type {Set<string>} */
  const probed = new Set();
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    // A packet's continuation lines (indented) belong to it: dropped with it.
    const continuation = /^\s/.test(raw);
    if (!continuation) {
      const probe = opts.dropNudProbes ? nudProbeTarget(raw) : undefined;
      const answer = /neighbor advertisement, length \d+, tgt is ([0-9a-f:]+)/.exec(raw)?.[1];
      if (probe) probed.add(probe);
      const isAnswer = answer !== undefined && probed.delete(answer);
      skipping = (opts.dropMld && isMld(raw)) || probe !== undefined || isAnswer;
    }
    if (skipping) continue;
    let line = raw.replace(/^\d\d:\d\d:\d\d\.\d{6} /, '');
    // The hex dump under a link-layer address option is the MAC again.
    if (/^\s+0x0000: /.test(line) && /link-address option/.test(previous)) line = line.replace(/0x0000:.*/, '0x0000: MAC');
    line = line
      .replace(/\bfe80::[0-9a-f:]+/g, (v) => alias('LL', v))
      .replace(/\bff02::1:ff[0-9a-f]{2}:[0-9a-f]{1,4}\b/g, (v) => alias('SN', v))
      .replace(/\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/g, (v) => alias('MAC', v))
      .replace(/flowlabel 0x[0-9a-f]+/g, (v) => `flowlabel ${alias('FL', v)}`)
      .replace(/\bid (\d+), seq/g, (_v, id) => `id ${alias('ID', id)}, seq`)
      .replace(/icv=0x[0-9a-f]+/g, 'icv=ICV')
      // Fragment identifications are random per datagram (ipv6_select_ident).
      .replace(/frag \(0x([0-9a-f]{8}):/g, (_v, id) => `frag (${alias('FRAG', id)}:`)
      .replace(/([0-9a-f:]+)\.(\d+)(?= >|:)/g, (v, a, port) => (Number(port) >= 32768 ? `${a}.${alias('PORT', port)}` : v))
      // `ip xfrm monitor` prints a flow's ports as words.
      .replace(/\bsport (\d+)/g, (v, port) => (Number(port) >= 32768 ? `sport ${alias('PORT', port)}` : v))
      .replace(/\b(seq|ack) (\d+)/g, (v, k, n) => (Number(n) >= 65536 ? `${k} ${alias('SEQ', n)}` : v))
      // TCP timestamps are a random offset plus the millisecond clock: like capture times, they
      // follow how long each step took for real.
      .replace(/TS val (\d+) ecr (\d+)/g, (_v, _a, b) => `TS val TS ecr ${b === '0' ? '0' : 'TS'}`)
      .replace(/\(incorrect -> 0x[0-9a-f]+\)/g, '(incorrect -> CSUM)')
      // UDP's form of the same: the sum the field should hold covers the random source port.
      .replace(/bad udp cksum (0x[0-9a-f]+) -> 0x[0-9a-f]+!/g, 'bad udp cksum $1 -> CSUM!')
      .replace(/cksum 0x[0-9a-f]+ \(correct\)/g, 'cksum CSUM (correct)');
    out.push(line);
    previous = line;
  }
  return out;
}

/**
 * results.txt as the oracle writes it, one entry per line. Masked: in PING lines the run time
 * iputils prints in its statistics ("time 1ms"), wall-clock time on the kernel; everywhere, MAC
 * addresses (random per boot).
 */
export function resultLines(text) {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('PING\t') ? l.replace(/, time \d+ms/, ', time Tms') : l))
    .map((l) => l.replace(/\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/g, 'MAC'));
}
