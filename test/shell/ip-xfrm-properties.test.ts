import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Host, makeHost } from './ip-xfrm-helpers.js';

/** Everything `ip xfrm` can show about a namespace: any change to the databases changes this text. */
function snapshot(h: Host): string {
  return ['-s xfrm state', 'xfrm policy', 'xfrm policy getdefault', 'xfrm policy count', 'xfrm state count']
    .map((c) => h.ip(c).stdout)
    .join('\n--\n');
}

function populated(): Host {
  const h = makeHost();
  for (const c of [
    'ip xfrm state add dst 4321::2 proto ah spi 4321 auth sha1 1234',
    'ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 7 enc aes 1234567890123456 mode tunnel reqid 5',
    'ip xfrm policy add dst 4321::/64 dir out tmpl proto ah',
    'ip xfrm policy add src 4321::/64 dir in priority 5 tmpl proto esp mode tunnel',
    'ip xfrm policy add dst 4321::/64 dir fwd action block',
  ]) {
    if (h.ip(c).exitCode !== 0) throw new Error(`setup failed: ${c}`);
  }
  return h;
}

const WORDS = [
  'src',
  'dst',
  'proto',
  'spi',
  'mode',
  'reqid',
  'dir',
  'tmpl',
  'level',
  'priority',
  'action',
  'mark',
  'mask',
  'sel',
  'flag',
  'replay-window',
  'limit',
  'ptype',
  'index',
  'type',
  'code',
  'sport',
  'dport',
  'if_id',
  'output-mark',
  'enc',
  'auth',
  'auth-trunc',
  'aead',
  'comp',
  'foo',
  '4321::1',
  '4321::2',
  '4321::/64',
  '::/0',
  '10.0.0.1',
  'any',
  'esp',
  'ah',
  'route2',
  'ipsec-any',
  '0x10e1',
  '4321',
  '0',
  '7',
  '96',
  '128',
  '0xff',
  '5000',
  'cbc(aes)',
  'hmac(sha1)',
  'sha1',
  'aes',
  'rfc4106(gcm(aes))',
  '1234',
  '1234567890123456',
  '0x0102030405060708090a0b0c0d0e0f1011121314',
  'tunnel',
  'transport',
  'tun',
  'beet',
  'in',
  'out',
  'fwd',
  'use',
  'required',
  'block',
  'allow',
  'sub',
  'main',
  'noecn',
  'esn',
  'byte-soft',
  'ipv6-icmp',
  'tcp',
  '8',
  '80',
];
// deleteall and allocspi are left out: the kernel itself keeps partial effects of those when it refuses (see ip-xfrm.ts).
const VERBS = ['add', 'update', 'delete', 'get', 'list', 'flush', 'count', 'setdefault', 'set', 'a', 'del', 'xyz'];

describe('ip xfrm properties', () => {
  test('a command that fails leaves every listing of the namespace unchanged', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('state', 'policy'),
        fc.constantFrom(...VERBS),
        fc.array(fc.constantFrom(...WORDS), { maxLength: 14 }),
        (object, verb, words) => {
          const h = populated();
          const before = snapshot(h);
          const r = h.ip(['xfrm', object, verb, ...words]);
          if (r.exitCode !== 0) {
            expect(r.stdout).toBe('');
            expect(snapshot(h)).toBe(before);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  const addr = fc.constantFrom('4321::1', '4321::2', '6666::', 'fe80::1:2', '::', '2001:db8::ff00:42:8329');

  test('a policy added, listed, and looked up by the selector the listing prints is found, and prints the same', () => {
    fc.assert(
      fc.property(
        addr,
        fc.integer({ min: 0, max: 128 }),
        fc.option(fc.tuple(addr, fc.integer({ min: 0, max: 128 }))),
        fc.constantFrom('', 'proto tcp dport 443', 'proto ipv6-icmp type 135', 'proto udp', 'proto ipv6-icmp type 1 code 4'),
        fc.constantFrom('in', 'out', 'fwd'),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.boolean(),
        (dst, dlen, src, upspec, dir, priority, block) => {
          const h = makeHost();
          const sel = `${src ? `src ${src[0]}/${src[1]} ` : ''}dst ${dst}/${dlen} ${upspec}`;
          const add = h.ip(`ip xfrm policy add ${sel} dir ${dir} priority ${priority}${block ? ' action block' : ' tmpl proto esp'}`);
          expect(add.exitCode).toBe(0);
          const listing = h.ip('ip xfrm policy').stdout;
          const printedSel = listing.split('\n')[0]!;
          expect(printedSel).toMatch(/ $/);
          expect(listing).toContain(`\tdir ${dir} ${block ? 'action block ' : ''}priority ${priority} ptype main \n`);
          const got = h.ip(`ip xfrm policy get ${printedSel} dir ${dir}`);
          expect(got.stdout).toBe(listing);
          expect(h.ip(`ip xfrm policy add ${printedSel} dir ${dir}`).stderr).toBe('RTNETLINK answers: File exists\n');
        },
      ),
      { numRuns: 200 },
    );
  });

  test('an SA added, listed, and fetched with the ID the listing prints prints the same, with the given fields', () => {
    fc.assert(
      fc.property(
        fc.option(addr),
        addr,
        fc.constantFrom('ah', 'esp'),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom('transport', 'tunnel'),
        fc.integer({ min: 0, max: 32 }),
        (src, dst, proto, spi, reqid, mode, window) => {
          const h = makeHost();
          const algo = proto === 'ah' ? 'auth-trunc sha256 0x0123 128' : 'enc aes 0x000102030405060708090a0b0c0d0e0f';
          const add = h.ip(
            `ip xfrm state add ${src ? `src ${src} ` : ''}dst ${dst} proto ${proto} spi ${spi} reqid ${reqid} mode ${mode} replay-window ${window} ${algo}`,
          );
          expect(add.exitCode).toBe(0);
          const listing = h.ip('ip xfrm state').stdout;
          const [head, ids] = listing.split('\n');
          const m = /^\tproto (\w+) spi (0x[0-9a-f]{8}) reqid (\d+) mode (\w+)$/.exec(ids!);
          expect(m).not.toBeNull();
          expect([m![1], Number(m![2]), Number(m![3]), m![4]]).toEqual([proto, spi, reqid, mode]);
          expect(listing).toContain(`\treplay-window ${window} \n`);
          const printedDst = /^src \S+ dst (\S+)$/.exec(head!)![1]!;
          expect(h.ip(`ip xfrm state get dst ${printedDst} proto ${m![1]} spi ${m![2]}`).stdout).toBe(listing);
        },
      ),
      { numRuns: 200 },
    );
  });
});
