# TCP over transport-mode ESP: nc sends a line to an nc listener on the peer; the handshake, data and close all cross the link as ESP, both SAs count the segments.
. ./lib.sh
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
A=0x0123456789abcdef0123456789abcdef01234567
pair a b; cap tcp b eth0
x a ip xfrm policy add src 4321::1 dst 4321::2 proto tcp dir out tmpl proto esp mode transport
x b ip xfrm policy add src 4321::2 dst 4321::1 proto tcp dir out tmpl proto esp mode transport
x b ip xfrm policy add src 4321::1 dst 4321::2 proto tcp dir in tmpl proto esp mode transport
x a ip xfrm policy add src 4321::2 dst 4321::1 proto tcp dir in tmpl proto esp mode transport
for n in a b; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0xd01 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode transport
  x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0xd02 enc "cbc(aes)" $K2 auth "hmac(sha1)" $A mode transport
done
pingt a 4321::2
ip netns exec b nc -6 -l 7000 > "$OUT/tcp_rx.log" 2>&1 &
rx=$!; sleep 1
echo "hello over esp" | ip netns exec a nc -N 4321::2 7000; echo "   nc rc=$?"
sleep 1; kill $rx 2>/dev/null; wait $rx 2>/dev/null
printf 'TCP\treceived\t%s\n' "$(tr '\n' ' ' < "$OUT/tcp_rx.log")" >> "$OUT/results.txt"
echo "   received: $(cat "$OUT/tcp_rx.log")"
capstop; xstat T a b; sastat a b
