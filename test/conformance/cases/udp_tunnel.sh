# UDP through an ESP tunnel across a router: only UDP between the two hosts is tunnelled, so the echo stays plaintext; a datagram to a closed port crosses the router as ESP, and the port unreachable error, not covered by the UDP policy, comes back in plaintext.
. ./lib.sh
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
A=0x0123456789abcdef0123456789abcdef01234567
# udpsnmp NS LABEL : the UDP and ICMPv6 error counters of NS (also to results.txt)
udpsnmp() { local v; v=$(ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^(Udp6InDatagrams|Udp6OutDatagrams|Udp6NoPorts|Icmp6OutDestUnreachs|Icmp6InDestUnreachs)$/ {printf "%s=%s ", $1, $2}')
  echo "--- snmp6 [$1] ($2): $v"; printf 'SNMP\t%s\t[%s]\t%s\n' "$2" "$1" "$v" >> "$OUT/results.txt"; }
routed h1 r h2; cap udptun r eth1
x h1 ip xfrm policy add src 4321::1 dst 4322::2 proto udp dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
x h1 ip xfrm policy add src 4322::2 dst 4321::1 proto udp dir in tmpl src 4322::2 dst 4321::1 proto esp mode tunnel
x h2 ip xfrm policy add src 4322::2 dst 4321::1 proto udp dir out tmpl src 4322::2 dst 4321::1 proto esp mode tunnel
x h2 ip xfrm policy add src 4321::1 dst 4322::2 proto udp dir in tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
for n in h1 h2; do
  x $n ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 0x901 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode tunnel
  x $n ip xfrm state add src 4322::2 dst 4321::1 proto esp spi 0x902 enc "cbc(aes)" $K2 auth "hmac(sha1)" $A mode tunnel
done
pingt h1 4322::2
note "one datagram h1 -> h2 port 5001, where nobody listens"
echo "nobody home" | ip netns exec h1 nc -u -w 1 4322::2 5001; echo "   nc rc=$?"
capstop; xstat U h1 r h2; sastat h1 h2; udpsnmp h1 after; udpsnmp h2 after
