/** `ip6tables-nft` on a kernel without nf_tables, which is what xfrmsim models (iptables 1.8.9: iptables/nft.c, the first batch of a change fails at NFT_MSG_NEWTABLE). */

// The simulated kernel has the legacy ip6_tables only: nftables is not modelled. A kernel built
// without nf_tables answers iptables-nft's first table creation with EOPNOTSUPP, and the tool
// prints this line and exits 4 (the oracle's kernel is such a kernel; probe_cli_parsing shows it).
// Commands that would only read the ruleset are not modelled: their failure text is not known.

import { type CommandResult, failure, notModelled } from './command.js';

const CHANGES = new Set(['-A', '--append', '-I', '--insert', '-N', '--new-chain', '-P', '--policy', '-R', '--replace']);

export function ip6tablesNft(argv: readonly string[]): CommandResult {
  const change = argv.find((a) => CHANGES.has(a));
  if (!change) return notModelled(`ip6tables-nft ${argv.join(' ')}`.trim());
  const t = argv.indexOf('-t') >= 0 ? argv.indexOf('-t') : argv.indexOf('--table');
  const table = t >= 0 ? (argv[t + 1] ?? 'filter') : 'filter';
  return failure(`ip6tables v1.8.9 (nf_tables):  TABLE_ADD failed (Operation not supported): table ${table}`, 4);
}
