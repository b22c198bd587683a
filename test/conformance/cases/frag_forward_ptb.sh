# A router does not fragment what it forwards: the r-h2 link has mtu 1280, so a 1400-byte echo from h1 gets ICMPv6 Packet Too Big from r; h1 then keeps mtu 1280 for h2 (its PMTU cache) and fragments the next echoes itself.
. ./lib.sh
snmpres() { echo "--- snmp6 [$1] ---"; ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds|^Ip6OutForwDatagrams/ && $2 != 0' | sed 's/^/    /'
  printf 'SNMP\t[%s]\t%s\n' "$1" "$(ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds|^Ip6OutForwDatagrams/ && $2 != 0 {printf "%s=%s ", $1, $2}')" >> "$OUT/results.txt"; }
routed h1 r h2
ip -n r link set eth1 mtu 1280; ip -n h2 link set eth0 mtu 1280
cap ptb_a_r h1 eth0; cap ptb_r_b h2 eth0
note "first echo of 1400 data bytes: r answers Packet Too Big mtu 1280"
pingt h1 4322::2 -s 1400
note "the next one: h1 fragments to 1280 for h2, h2 fragments its reply to 1280 (its own link)"
pingt h1 4322::2 -s 1400
note "h2 -> h1 with 1400 data bytes: h2's link has mtu 1280, so h2 fragments; h1 replies with one 1448-byte packet, which r cannot forward"
pingt h2 4321::1 -s 1400
pingt h2 4321::1 -s 1400
capstop; snmpres h1; snmpres r; snmpres h2
echo "--- ip -6 route get 4322::2 [h1] ---"; ip -n h1 -6 route get 4322::2 | sed 's/^/    /'
