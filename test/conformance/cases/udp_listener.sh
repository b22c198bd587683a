# UDP through an ESP tunnel to a listening socket: nc -6 -u -l on the far host receives the datagram the tunnel carried, and the in policy accepts it.
. ./lib.sh
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
A=0x0123456789abcdef0123456789abcdef01234567
routed h1 r h2; cap udplisten r eth1
x h1 ip xfrm policy add src 4321::1 dst 4322::2 proto udp dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
x h2 ip xfrm policy add src 4321::1 dst 4322::2 proto udp dir in tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
for n in h1 h2; do
  x $n ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 0x911 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode tunnel
done
note "one datagram h1 -> h2 port 5000, nc -6 -u -l listening there"
ip netns exec h2 nc -6 -u -l 5000 > "$OUT/udp_rx.log" 2>&1 &
rx=$!; sleep 1
echo "hello through the tunnel" | ip netns exec h1 nc -u -w 1 4322::2 5000; echo "   nc rc=$?"
sleep 1; kill $rx 2>/dev/null; wait $rx 2>/dev/null
printf 'UDP\treceived\t%s\n' "$(tr '\n' ' ' < "$OUT/udp_rx.log")" >> "$OUT/results.txt"
echo "   received: $(cat "$OUT/udp_rx.log")"
capstop; xstat U h1 r h2; sastat h1 h2
