# Path MTU through ESP: h1 -> h2 with 2000 data bytes through an ESP transport SA (h1, h2 on one link) and through an ESP tunnel between h1 and r; which packet is fragmented, the plain one or the ESP one, and who reassembles.
. ./lib.sh
K1=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
snmpres() { echo "--- snmp6 [$1] ---"; ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds/ && $2 != 0' | sed 's/^/    /'
  printf 'SNMP\t[%s]\t%s\n' "$1" "$(ip netns exec "$1" cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|Reasm)|TooBig|TimeExcds/ && $2 != 0 {printf "%s=%s ", $1, $2}')" >> "$OUT/results.txt"; }
pair a b; cap esp_transport a eth0
for n in a b; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x100 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode transport
  x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x200 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode transport
done
x a ip xfrm policy add src 4321::1 dst 4321::2 dir out tmpl proto esp mode transport
x a ip xfrm policy add src 4321::2 dst 4321::1 dir in tmpl proto esp mode transport
x b ip xfrm policy add src 4321::2 dst 4321::1 dir out tmpl proto esp mode transport
x b ip xfrm policy add src 4321::1 dst 4321::2 dir in tmpl proto esp mode transport
note "transport: a -> b, 2000 data bytes"
pingt a 4321::2 -s 2000
note "transport: a -> b, 1400 data bytes (fits 1500 plain, not with ESP)"
pingt a 4321::2 -s 1400
capstop; snmpres a; snmpres b; xstat T a b

routed h1 r h2; cap esp_tunnel h1 eth0; cap esp_tunnel_inner r eth1
for n in h1 r; do
  x $n ip xfrm state add src 4321::1 dst 4321::ff proto esp spi 0x300 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode tunnel
  x $n ip xfrm state add src 4321::ff dst 4321::1 proto esp spi 0x400 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode tunnel
done
x h1 ip xfrm policy add src 4321::1 dst 4322::2 dir out tmpl src 4321::1 dst 4321::ff proto esp mode tunnel
x h1 ip xfrm policy add src 4322::2 dst 4321::1 dir in tmpl src 4321::ff dst 4321::1 proto esp mode tunnel
x r ip xfrm policy add src 4322::2 dst 4321::1 dir out tmpl src 4321::ff dst 4321::1 proto esp mode tunnel
x r ip xfrm policy add src 4321::1 dst 4322::2 dir fwd tmpl src 4321::1 dst 4321::ff proto esp mode tunnel
note "tunnel h1 -> r -> h2, 2000 data bytes: h1 sends, r decapsulates and forwards, h2 replies (plain), r encapsulates"
pingt h1 4322::2 -s 2000
note "tunnel, 1400 data bytes: the reply from h2 fits 1500 plain but not in the tunnel"
pingt h1 4322::2 -s 1400
pingt h1 4322::2 -s 1400
capstop; snmpres h1; snmpres r; snmpres h2; xstat U h1 r
