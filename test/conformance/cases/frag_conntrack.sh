# Fragments and conntrack (nf_defrag_ipv6): with a conntrack rule, r and h2 reassemble at PREROUTING before conntrack and the rules see one packet (Ip6InDelivers is left out: MLD reports make it vary from run to run); tcpdump still sees the fragments; r sends the forwarded packet on as fragments of the sizes it received.
. ./lib.sh
snmpres() { echo "--- snmp6 [$1] ---"; ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds|^Ip6OutForwDatagrams/ && $2 != 0' | sed 's/^/    /'
  printf 'SNMP\t[%s]\t%s\n' "$1" "$(ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds|^Ip6OutForwDatagrams/ && $2 != 0 {printf "%s=%s ", $1, $2}')" >> "$OUT/results.txt"; }
routed h1 r h2
x r ip6tables -A FORWARD -m conntrack --ctstate NEW,ESTABLISHED -p icmpv6 -j ACCEPT
x h2 ip6tables -A INPUT -m conntrack --ctstate NEW -p icmpv6 --icmpv6-type echo-request -j ACCEPT
cap ct_a_r h1 eth0; cap ct_r_b h2 eth0
note "h1 -> h2, 3000 data bytes, conntrack on r and h2"
pingt h1 4322::2 -s 3000
capstop; snmpres h1; snmpres r; snmpres h2; fwstat r
echo "--- ip6tables -L INPUT -v -n -x [h2] ---"; ip netns exec h2 ip6tables -L INPUT -v -n -x | sed 's/^/    /'
ip netns exec h2 ip6tables -L INPUT -v -n -x | awk 'NR>2{print "IN\t[h2]\t" $0}' >> "$OUT/results.txt"
