import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Args, emptySelector, getPrefix, getUnsigned, IpExit, matches, parseSelector } from '../../src/shell/ip-xfrm-parse.js';
import { makeHost } from './ip-xfrm-helpers.js';

const exitOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof IpExit) return { stderr: e.stderr, exitCode: e.exitCode };
    throw e;
  }
  return undefined;
};

describe('iproute2 number and address words', () => {
  test('getUnsigned() reads C notation: hex, octal, a sign, and refuses trailing text and overflow', () => {
    expect(getUnsigned('0x10e1', 32)).toBe(0x10e1n);
    expect(getUnsigned('010', 32)).toBe(8n);
    expect(getUnsigned('4321', 32)).toBe(4321n);
    expect(getUnsigned('+7', 32)).toBe(7n);
    expect(getUnsigned('-0', 32)).toBe(0n);
    expect(getUnsigned('-1', 32)).toBeUndefined();
    // strtoull wraps -1 to ULLONG_MAX, which get_u64 accepts: `limit byte-soft -1` is INF (parse-errors.out).
    expect(getUnsigned('-1', 64)).toBe((1n << 64n) - 1n);
    expect(getUnsigned('0x', 32)).toBeUndefined();
    expect(getUnsigned('08', 32)).toBeUndefined();
    expect(getUnsigned('4294967296', 32)).toBeUndefined();
    expect(getUnsigned('', 32)).toBeUndefined();
    expect(getUnsigned('12x', 32)).toBeUndefined();
  });

  test('matches() takes a non-empty prefix only', () => {
    expect(matches('tun', 'tunnel')).toBe(true);
    expect(matches('tunnels', 'tunnel')).toBe(false);
    expect(matches('', 'tunnel')).toBe(false);
  });

  test('getPrefix() keeps the address as given and takes IPv4 dotted netmasks', () => {
    const p = getPrefix('4321::7/64', undefined);
    expect([p.family, p.bitlen, p.addr[15]]).toEqual(['inet6', 64, 7]);
    expect(getPrefix('10.1.0.0/255.255.0.0', undefined).bitlen).toBe(16);
    expect(getPrefix('10.1', undefined).addr.slice(0, 4)).toEqual(new Uint8Array([10, 1, 0, 0]));
    expect(getPrefix('any', 'inet6')).toMatchObject({ family: 'inet6', bitlen: 0 });
    expect(exitOf(() => getPrefix('10.0.0.0/255.0.255.0', undefined))).toEqual({
      stderr: 'Error: any valid prefix is expected rather than "10.0.0.0/255.0.255.0".\n',
      exitCode: 1,
    });
    expect(exitOf(() => getPrefix('::1', 'inet'))?.stderr).toBe('Error: inet prefix is expected rather than "::1".\n');
  });

  test('a selector stops at its second unknown word, leaving the cursor before it', () => {
    const argv = ['src', '4321::/64', 'proto', 'tcp', 'dport', '80', 'dir', 'out'];
    const a = new Args(argv, 0);
    const sel = emptySelector(undefined);
    parseSelector(a, { preferredFamily: undefined }, sel, () => undefined);
    expect(argv[a.i + 1]).toBe('dir');
    expect([sel.proto, sel.dport, sel.dportMask, sel.prefixlenS]).toEqual([6, 80, 0xffff, 64]);
  });
});

describe('ip xfrm key strings', () => {
  // Source: test/kernel-cases/key-strings.sh and .out (a uml-run on Linux 6.1).
  test('each key of key-strings.sh prints and exits as the kernel run did', () => {
    const out = readFileSync(fileURLToPath(new URL('../kernel-cases/key-strings.out', import.meta.url)), 'utf8');
    const h = makeHost();
    let got = '';
    for (const key of ['0x12zz', '0x1', '0x', '1234567890123456', '0x00112233445566778899aabbccddeeff0']) {
      got += `### enc cbc(aes) ${key}\n`;
      const r = h.ip(['xfrm', 'state', 'add', 'src', '4321::1', 'dst', '4321::2', 'proto', 'esp', 'spi', '0x300', 'enc', 'cbc(aes)', key]);
      got += `${r.stdout}${r.stderr}rc=${r.exitCode}\n`;
      expect(h.ip('ip xfrm state flush').exitCode).toBe(0);
    }
    got += '### esp with auth only\n';
    const r = h.ip('ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x301 auth "hmac(sha1)" 1234');
    got += `${r.stdout}${r.stderr}rc=${r.exitCode}\n`;
    expect(got).toBe(out);
  });
});

describe('ip xfrm surfaces the model does not have', () => {
  test('what needs policy lifetimes, socket counts, interface names or a monitor fails loudly', () => {
    const h = makeHost();
    expect(h.ip('ip xfrm policy add dst 4321::/64 dir out').exitCode).toBe(0);
    for (const c of [
      'ip -s xfrm policy',
      'ip -s xfrm policy get dst 4321::/64 dir out',
      'ip -s xfrm policy count',
      'ip xfrm monitor',
      'ip xfrm policy add dst 4321::/64 dir in limit time-hard 5',
      'ip xfrm policy add dst 4321::/64 dev eth0 dir in',
      'ip xfrm state add dst 4321::1 proto esp spi 1 enc aes 1234567890123456 offload dev eth0 dir out',
    ]) {
      const r = h.ip(c);
      expect({ c, out: r.stdout, err: r.stderr, rc: r.exitCode }).toMatchObject({
        c,
        out: '',
        err: expect.stringMatching(/^xfrmsim: .*: not modelled\n$/),
        rc: 2,
      });
    }
    expect(h.ip('ip xfrm policy').stdout).toBe('src ::/0 dst 4321::/64 \n\tdir out priority 0 ptype main \n');
  });

  test('dev resolves through the links the caller gives, and prints their names', () => {
    const h = makeHost();
    h.links = { indexOf: (n) => (n === 'eth0' ? 2 : undefined), nameOf: (i) => (i === 2 ? 'eth0' : undefined) };
    expect(h.ip('ip xfrm policy add dst 4321::/64 dev eth0 dir out').exitCode).toBe(0);
    expect(h.ip('ip xfrm policy').stdout).toBe('src ::/0 dst 4321::/64 dev eth0 \n\tdir out priority 0 ptype main \n');
    expect(h.ip('ip xfrm policy add dst 4321::/64 dev eth9 dir out').stderr).toBe(
      'Error: argument "eth9" is wrong: DEV value is invalid\n',
    );
  });

  test('-o puts a policy count on one line ended by a backslash', () => {
    const h = makeHost();
    // print_spdinfo: _SL_ after the SPD line, then a newline in oneline mode.
    expect(h.ip('ip -o xfrm policy count').stdout).toBe('\t SPD IN  0 OUT 0 FWD 0\\\n');
  });
});
