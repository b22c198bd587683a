# Reassembly that never completes: r drops the last fragment of h1's echo, so h2 holds the first one for 60 s, then discards the queue and tells h1 "Time exceeded: Defragmentation failure" (code 1, sent because the first fragment had come).
. ./lib.sh
snmpres() { echo "--- snmp6 [$1] ---"; ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds/ && $2 != 0' | sed 's/^/    /'
  printf 'SNMP\t[%s]\t%s\n' "$1" "$(ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds/ && $2 != 0 {printf "%s=%s ", $1, $2}')" >> "$OUT/results.txt"; }
routed h1 r h2
# The echo of 2000 data bytes leaves h1 as a 1496-byte and a 608-byte fragment.
x r ip6tables -A FORWARD -m length --length 608 -j DROP
# h2 knows its router first: without a neighbour entry the kernel would also probe the router
# (rt6_probe, router reachability), which is not what this case is about.
pingt h2 4322::ff
cap frag_timeout r eth1
note "h1 -> h2, 2000 data bytes, the second fragment dropped by r"
echo "[h1]# ping -c 1 -W 70 -s 2000 4322::2"
o=$(ip netns exec h1 ping -c 1 -W 70 -s 2000 4322::2 2>&1); rc=$?
printf '%s\n' "$o" | grep -vE '^$|^---|statistics|^rtt' | sed 's/^/   | /'
printf 'PING\t%s\t%s\n' "$rc" "$(printf '%s' "$o" | grep -E 'From|received' | sed 's/, time [0-9]*ms//' | tr '\n' ' ')" >> "$OUT/results.txt"
capstop; snmpres h1; snmpres r; snmpres h2; fwstat r
