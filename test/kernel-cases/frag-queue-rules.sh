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
# delta PREV NOW: the counters that changed, with their increase
delta() { awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); old[kv[1]] = kv[2] }
  m = split(b, y, " "); for (i = 1; i <= m; i++) { split(y[i], kv, "="); if (kv[2] != old[kv[1]]) printf "%s+%d ", kv[1], kv[2] - old[kv[1]] } }'; }
step() { ip netns exec a python3 "$here/frag-queue-rules.py" "$@"; sleep 0.5; now=$(snap)
  echo "$1: $(delta "$prev" "$now")"; prev=$now; }
step inorder 1; step reverse 2; step overlap 3; step dup 4; step inside-run 5; step notmult8 6
step atomic 7; step beyond-last 8; step noupper 9; step lastonly 10; step firstonly 11
echo "waiting 70 s for the two open queues (last only, first only) to time out (60 s, rounded up by the timer wheel)"
sleep 70; now=$(snap)
echo "after 70 s: $(delta "$prev" "$now")"
sleep 1; kill $cap; wait $cap 2>/dev/null
echo "--- what a saw (tcpdump -n -vv) ---"
tcpdump -n -vv -r "$OUT/frag-queue-rules.pcap" 2>/dev/null | sed 's/^[0-9:.]* //'
