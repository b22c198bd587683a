# frag-queue-rules: how Linux 6.1's IPv6 reassembly (ipv6_frag_rcv, ip6_frag_queue) treats hand-made
# fragments: in order, reversed, overlapping (RFC 5722), an exact duplicate, a fragment inside a run
# of contiguous ones, a non-last fragment not a multiple of 8, an atomic fragment, data beyond the
# last fragment, a first fragment without the upper-layer header, and the 60 s timer with and
# without the first fragment. After each: b's snmp6 counters that moved, and what b sent back.
# Run: ../shared/oracle/uml-run test/kernel-cases/frag-queue-rules.sh OUTDIR
set -u
here=$(pwd)
for n in a b; do ip netns add $n; ip -n $n link set lo up; done
ip link add eth0 netns a type veth peer name eth0 netns b
ip -n a link set eth0 up; ip -n b link set eth0 up
ip -n a addr add 4321::1/64 dev eth0 nodad; ip -n b addr add 4321::2/64 dev eth0 nodad
ip netns exec a ping -c 1 -W 1 4321::2 >/dev/null   # neighbours both ways
ip netns exec a tcpdump -n -i eth0 -s 0 -U -w "$OUT/frag-queue-rules.pcap" >/dev/null 2>&1 &
cap=$!; sleep 2
snap() { ip netns exec b cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Reasm|InHdrErrors|InUnknownProtos|InDelivers)|^Icmp6Out(ParmProblems|EchoReplies|TimeExcds)/ {printf "%s=%s ", $1, $2}'; }
prev=$(snap)
step() { ip netns exec a python3 "$here/frag-queue-rules.py" "$@"; sleep 0.5; now=$(snap)
  echo "$1: $(diff <(tr ' ' '\n' <<<"$prev") <(tr ' ' '\n' <<<"$now") | grep '^>' | sed 's/^> //' | tr '\n' ' ')"; prev=$now; }
step inorder 1; step reverse 2; step overlap 3; step dup 4; step inside-run 5; step notmult8 6
step atomic 7; step beyond-last 8; step nouppper 9; step lastonly 10; step firstonly 11
echo "waiting 61 s for the two open queues (last only, first only) to time out"
sleep 61; now=$(snap)
echo "after 61 s: $(diff <(tr ' ' '\n' <<<"$prev") <(tr ' ' '\n' <<<"$now") | grep '^>' | sed 's/^> //' | tr '\n' ' ')"
sleep 1; kill $cap; wait $cap 2>/dev/null
echo "--- what a saw (tcpdump -n -vv) ---"
tcpdump -n -vv -r "$OUT/frag-queue-rules.pcap" 2>/dev/null | sed 's/^[0-9:.]* //'
