# The path MTU of an ESP tunnel learned from a router's Packet Too Big about the ESP packet: a and b tunnel 6666::1 <-> 6666::2 over a router whose link to b has mtu 1280; the first big echo's ESP packet is refused by the router, a lowers the tunnel's MTU and cuts the next echoes' inner packets to fit.
. ./lib.sh
K1=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
snmpres() { echo "--- snmp6 [$1] ---"; ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds/ && $2 != 0' | sed 's/^/    /'
  printf 'SNMP\t[%s]\t%s\n' "$1" "$(ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds/ && $2 != 0 {printf "%s=%s ", $1, $2}')" >> "$OUT/results.txt"; }
routed a r b
ip -n r link set eth1 mtu 1280; ip -n b link set eth0 mtu 1280
addr a eth0 6666::1/128; addr b eth0 6666::2/128
route a 6666::2/128 via 4321::ff; route b 6666::1/128 via 4322::ff
for n in a b; do
  x $n ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 0x500 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode tunnel
  x $n ip xfrm state add src 4322::2 dst 4321::1 proto esp spi 0x600 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode tunnel
done
x a ip xfrm policy add src 6666::1 dst 6666::2 dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
x a ip xfrm policy add src 6666::2 dst 6666::1 dir in tmpl src 4322::2 dst 4321::1 proto esp mode tunnel
x b ip xfrm policy add src 6666::2 dst 6666::1 dir out tmpl src 4322::2 dst 4321::1 proto esp mode tunnel
x b ip xfrm policy add src 6666::1 dst 6666::2 dir in tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
cap esp_pmtu_a_r a eth0; cap esp_pmtu_r_b b eth0
note "6666::1 -> 6666::2 with 1300 data bytes: the ESP packet (1428 bytes) is too big for the r-b link"
pingt a 6666::2 -s 1300 -I 6666::1
note "again: a knows mtu 1280 towards 4322::2, so the tunnel takes 1198-byte inner packets"
pingt a 6666::2 -s 1300 -I 6666::1
pingt a 6666::2 -s 1300 -I 6666::1
capstop; snmpres a; snmpres r; snmpres b; xstat P a b; sastat a b
