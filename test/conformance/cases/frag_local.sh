# Fragmentation at the source and reassembly at the destination: h1 pings r and h2 with 2000 data bytes over links of mtu 1500; each reply is fragmented by its sender, and the snmp6 counters say who fragmented and who reassembled.
. ./lib.sh
# snmpres NS : the nonzero fragmentation and reassembly counters, to the console and results.txt
snmpres() { echo "--- snmp6 [$1] ---"; ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds/ && $2 != 0' | sed 's/^/    /'
  printf 'SNMP\t[%s]\t%s\n' "$1" "$(ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds/ && $2 != 0 {printf "%s=%s ", $1, $2}')" >> "$OUT/results.txt"; }
routed h1 r h2; cap fraglocal h1 eth0; cap fragfar r eth1
note "h1 -> r, 2000 data bytes: h1 fragments, r reassembles, r's reply is fragmented"
pingt h1 4321::ff -s 2000
note "h1 -> h2 through r, 3000 data bytes: r forwards each fragment as it is"
pingt h1 4322::2 -s 3000
note "h1 -> h2, 1452 data bytes: 1500 bytes on the wire, not fragmented"
pingt h1 4322::2 -s 1452
capstop; snmpres h1; snmpres r; snmpres h2
