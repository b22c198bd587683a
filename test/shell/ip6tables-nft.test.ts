import { describe, expect, test } from 'vitest';
import { ip6tablesNft } from '../../src/shell/ip6tables-nft.js';

describe('ip6tables-nft on a kernel without nf_tables', () => {
  test('a change fails at the table creation as on the oracle kernel (golden probe_cli_parsing), naming the table', () => {
    expect(ip6tablesNft(['-A', 'FORWARD', '-j', 'ACCEPT'])).toEqual({
      stdout: '',
      stderr: 'ip6tables v1.8.9 (nf_tables):  TABLE_ADD failed (Operation not supported): table filter\n',
      exitCode: 4,
    });
    expect(ip6tablesNft(['-t', 'mangle', '-I', 'OUTPUT', '-j', 'MARK', '--set-mark', '1']).stderr).toContain('table mangle');
  });

  test('a listing is not modelled rather than guessed', () => {
    const r = ip6tablesNft(['-L', '-n']);
    expect(r.stderr).toMatch(/not modelled/);
    expect(r.exitCode).not.toBe(0);
  });
});
