import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { IP_USAGE, matches, parseIpInvocation, readPrefix, resolveIpHost } from '../../src/shell/ip-args.js';
import { World } from '../../src/stack/world.js';
import { consoleText, maskMacs, oracleCases } from './ip-replay.js';

const ok = (argv: string[]) => {
  const inv = parseIpInvocation(argv);
  if (inv.kind !== 'ok') throw new Error(inv.result.stderr);
  return inv;
};

describe('parseIpInvocation() global options', () => {
  test('reads -n, repeated -s, -d, -o and -6 and leaves the object arguments alone', () => {
    const inv = ok(['-n', 'a', '-s', '-s', '-d', '-o', '-6', 'route', 'show', '-s']);
    expect(inv.netns).toBe('a');
    expect(inv.opts).toEqual({ stats: 2, details: true, oneline: true, family: 'inet6' });
    expect(inv.object).toBe('route');
    expect(inv.args).toEqual(['show', '-s']);
  });

  test('accepts the abbreviations and long forms matches() allows', () => {
    expect(ok(['-stat', '-statistics', 'link']).opts.stats).toBe(2);
    expect(ok(['-det', 'link']).opts.details).toBe(true);
    expect(ok(['-one', 'link']).opts.oneline).toBe(true);
    expect(ok(['-netns', 'x', 'link']).netns).toBe('x');
    expect(ok(['--netns', 'x', 'link']).netns).toBe('x');
    expect(ok(['-f', 'inet6', 'link']).opts.family).toBe('inet6');
    expect(ok(['-family', 'inet', 'link']).opts.family).toBe('inet');
    expect(ok(['-4', 'link']).opts.family).toBe('inet');
  });

  test('-- ends the options', () => {
    const inv = ok(['-6', '--', 'addr']);
    expect(inv.object).toBe('address');
    expect(inv.opts.family).toBe('inet6');
  });

  test('an unknown option is refused with exit status 255 (golden: listings.console.log "ip -x link")', () => {
    const inv = parseIpInvocation(['-x', 'link']);
    expect(inv).toEqual({ kind: 'fail', result: { stdout: '', stderr: 'Option "-x" is unknown, try "ip -help".\n', exitCode: 255 } });
  });

  test('-f with an unknown family is invarg, exit 255; without a value it is the usage text', () => {
    const bad = parseIpInvocation(['-f', 'foo', 'link']);
    expect(bad.kind === 'fail' && bad.result).toEqual({
      stdout: '',
      stderr: 'Error: argument "foo" is wrong: invalid protocol family\n',
      exitCode: 255,
    });
    const missing = parseIpInvocation(['-f']);
    expect(missing.kind === 'fail' && missing.result).toEqual({ stdout: '', stderr: IP_USAGE, exitCode: 255 });
  });

  test('-n without a name is an incomplete command', () => {
    const inv = parseIpInvocation(['-n']);
    expect(inv.kind === 'fail' && inv.result.stderr).toBe('Command line is not complete. Try option "help"\n');
    expect(inv.kind === 'fail' && inv.result.exitCode).toBe(255);
  });

  test('options whose output the model does not print fail loudly', () => {
    for (const o of ['-j', '-json', '-r', '-t', '-h', '-iec', '-N', '-a', '-c', '-color=never', '-V', '-batch', '-0']) {
      const inv = parseIpInvocation([o, 'x', 'link']);
      expect(inv.kind, o).toBe('fail');
      expect(inv.kind === 'fail' && inv.result.stderr, o).toMatch(/not modelled/);
    }
  });

  test('-br and -brief set brief for ip link; brief output of other objects is not modelled', () => {
    for (const o of ['-br', '-brief', '--brief']) {
      const inv = parseIpInvocation([o, 'link', 'show']);
      expect(inv.kind === 'ok' && inv.opts.brief, o).toBe(true);
    }
    const plain = parseIpInvocation(['link']);
    expect(plain.kind === 'ok' && plain.opts.brief).toBeFalsy();
    for (const obj of ['addr', 'route', 'neigh', 'xfrm']) {
      const inv = parseIpInvocation(['-br', obj]);
      expect(inv.kind === 'fail' && inv.result.stderr, obj).toMatch(/ip -brief .*: not modelled/);
    }
  });

  test('-b abbreviates -batch, not -brief (ip.c tries -batch first)', () => {
    const inv = parseIpInvocation(['-b', 'file']);
    expect(inv.kind === 'fail' && inv.result.stderr).toMatch(/ip -batch: not modelled/);
  });
});

describe('parseIpInvocation() objects', () => {
  test('resolves abbreviations to the first entry of ip.c cmds[] they abbreviate', () => {
    const cases: [string, string][] = [
      ['a', 'address'],
      ['addr', 'address'],
      ['address', 'address'],
      ['r', 'route'],
      ['ro', 'route'],
      ['l', 'link'],
      ['n', 'neighbor'],
      ['neigh', 'neighbor'],
      ['neighbour', 'neighbor'],
      ['net', 'netns'],
      ['netns', 'netns'],
      ['x', 'xfrm'],
      ['xfrm', 'xfrm'],
      ['m', 'maddress'],
      ['ru', 'rule'],
    ];
    for (const [word, object] of cases) expect(ok([word]).object, word).toBe(object);
  });

  test('an unknown object exits 1 (golden: listings.console.log "ip foo")', () => {
    const inv = parseIpInvocation(['foo']);
    expect(inv.kind === 'fail' && inv.result).toEqual({ stdout: '', stderr: 'Object "foo" is unknown, try "ip help".\n', exitCode: 1 });
  });

  test('no object, or help, prints the usage text with status 255 (golden: listings.console.log "ip")', () => {
    for (const argv of [[], ['help'], ['-s']]) {
      const inv = parseIpInvocation(argv);
      expect(inv.kind === 'fail' && inv.result).toEqual({ stdout: '', stderr: IP_USAGE, exitCode: 255 });
    }
  });

  test('parseIpInvocation() never throws and fails only with 1, 2 or 255', () => {
    const word = fc.oneof(
      fc.constantFrom('-s', '-6', '-n', '-f', 'inet6', '--', 'link', 'a', '-x', '', '-', 'route'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (argv) => {
        const inv = parseIpInvocation(argv);
        if (inv.kind === 'fail') expect([1, 2, 255]).toContain(inv.result.exitCode);
      }),
    );
  });
});

describe('the front end against the oracle', () => {
  test.each(oracleCases('ip').map((s) => [`${s.capture}: ${s.key}`, s] as const))('%s prints what Linux printed', (_key, s) => {
    expect(maskMacs(consoleText(s.model))).toBe(maskMacs(s.output));
    expect(s.model.exitCode).toBe(s.rc);
  });
});

describe('matches()', () => {
  test('a word abbreviates every longer word it begins, and the empty word abbreviates nothing', () => {
    expect(matches('sh', 'show')).toBe(true);
    expect(matches('show', 'show')).toBe(true);
    expect(matches('shows', 'show')).toBe(false);
    expect(matches('', 'show')).toBe(false);
  });
});

describe('resolveIpHost()', () => {
  test('names the namespace, or fails as netns_switch does with status 255', () => {
    const w = new World();
    const a = w.addHost('a');
    expect(resolveIpHost(w, w.host('init'), 'a')).toBe(a);
    expect(resolveIpHost(w, a, undefined)).toBe(a);
    expect(resolveIpHost(w, a, 'nosuch')).toEqual({
      stdout: '',
      stderr: 'Cannot open network namespace "nosuch": No such file or directory\n',
      exitCode: 255,
    });
  });
});

describe('readPrefix()', () => {
  test('reads IPv6 prefixes, infers /128, and refuses lengths above 128', () => {
    const p = readPrefix('4321::1/64', undefined, true);
    expect(p && 'len' in p && p.len).toBe(64);
    const h = readPrefix('4321::1', 'inet6', true);
    expect(h && 'len' in h && [h.len, h.lenGiven]).toEqual([128, false]);
    expect(readPrefix('4321::5/129', undefined, true)).toBeUndefined();
    expect(readPrefix('4321::1', 'inet', true)).toBeUndefined();
  });

  test('recognises IPv4 text so it can be refused, and keywords as keywords', () => {
    expect(readPrefix('10.0.0.1/24', undefined, true)).toEqual({ family: 'inet', text: '10.0.0.1/24' });
    expect(readPrefix('10.0.0.1', 'inet6', true)).toBeUndefined();
    expect(readPrefix('bogus', undefined, true)).toBeUndefined();
    expect(readPrefix('default', 'inet6', true)).toEqual({ family: 'inet6', keyword: 'default' });
  });
});
