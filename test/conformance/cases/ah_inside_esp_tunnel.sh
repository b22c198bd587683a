# AH inside an ESP tunnel: templates AH transport (inner) then ESP tunnel (outer) between two hosts on one link; the wire shows only ESP, the receiver's in policy must list both in the same order.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
pair a b; cap nested b eth0
x a ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
for n in a b; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto ah spi 0xb01 auth "hmac(sha256)" $A mode transport
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0xb02 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode tunnel
done
note "N1: receiver's in policy AH transport then ESP tunnel"
x b ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto ah mode transport tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
pingt a 4321::2
xstat N1 a b
note "N2: receiver's in policy names only the ESP tunnel: the surplus AH transport SA is tolerated"
x b ip xfrm policy update src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
pingt a 4321::2
xstat N2 a b
note "N3: receiver's in policy names only AH transport: the unconsumed tunnel SA makes it fail"
x b ip xfrm policy update src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto ah mode transport
pingt a 4321::2
xstat N3 a b
note "N4: no in policy at all: a tunnel SA in the secpath needs one"
x b ip xfrm policy delete src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in
pingt a 4321::2
capstop; xstat N4 a b; sastat a b
