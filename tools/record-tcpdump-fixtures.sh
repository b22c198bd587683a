#!/usr/bin/env bash
# Records the real tcpdump's text for every fixture pcap, the reference our printer
# (src/wire/tcpdump) must match line for line. Run from anywhere; paths are relative to the repo.
#
#   tools/record-tcpdump-fixtures.sh            copy the kernel captures, regenerate the zoo, record
#   tools/record-tcpdump-fixtures.sh --no-copy  only re-record the pcaps already in test/fixtures/pcap
#
# Needs tcpdump 4.99.3 (apt-get install tcpdump); other versions print differently.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/oracle
pcaps=test/fixtures/pcap
texts=test/fixtures/tcpdump
mkdir -p "$pcaps" "$texts"

version=$(tcpdump --version 2>&1 | head -n1)
if [ "$version" != "tcpdump version 4.99.3" ]; then
  echo "warning: $version, fixtures are meant to come from tcpdump 4.99.3" >&2
fi

if [ "${1:-}" != "--no-copy" ]; then
  for f in "$shared"/article/golden/*/*.pcap; do
    case=$(basename "$(dirname "$f")")
    cp "$f" "$pcaps/${case}__$(basename "$f")"
  done
  for f in "$shared"/semantics/vectors/*.pcap; do
    cp "$f" "$pcaps/vectors__$(basename "$f")"
  done
  # Our own packets the kernel captures lack (written by the generator, a unit test file).
  PRINTER_ZOO_OUT="$pcaps/printer-zoo.pcap" npx vitest run --project unit test/wire/tcpdump/zoo.test.ts >/dev/null
fi

for f in "$pcaps"/*.pcap; do
  base=$(basename "$f" .pcap)
  TZ=UTC tcpdump -n -r "$f" >"$texts/$base.n.txt" 2>/dev/null
  TZ=UTC tcpdump -n -v -r "$f" >"$texts/$base.v.txt" 2>/dev/null
  TZ=UTC tcpdump -n -vv -r "$f" >"$texts/$base.vv.txt" 2>/dev/null
  TZ=UTC tcpdump -n -e -r "$f" >"$texts/$base.e.txt" 2>/dev/null
done
echo "recorded $(ls "$pcaps"/*.pcap | wc -l) pcaps into $texts"
