/** The capture normalisation shared by the harness and the offline comparisons (tools/conformance/normalize.mjs). */
import { expect, test } from 'vitest';
import { normalizeCapture } from '../../tools/conformance/normalize.mjs';

const opts = { dropMld: true, dropNudProbes: true };

test('the sum a bad UDP checksum should have is masked (it covers the random source port), the wrong one kept', () => {
  // tcpdump -vv on a veth with checksum offload (kernel capture cases/n_udp_port_policy W2).
  const line = (port: number, right: string) =>
    `12:00:00.000000 IP6 (hlim 64, next-header UDP (17) payload length: 17) 4321::1.${port} > 4321::2.5000: [bad udp cksum 0x8667 -> ${right}!] UDP, length 9`;
  expect(normalizeCapture(line(40123, '0x5caf'), opts)).toEqual(normalizeCapture(line(51234, '0x3877'), opts));
  expect(normalizeCapture(line(40123, '0x5caf'), opts)[0]).toContain('[bad udp cksum 0x8667 -> CSUM!]');
});
