# AH outside ESP in one bundle (two transport templates): the wire order, the receiver's template order (ESP then AH matches, AH then ESP does not), and an in policy naming only ESP.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
pair a b; cap bundle b eth0
x a ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport tmpl proto ah mode transport
for n in a b; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x201 enc "cbc(aes)" $K mode transport
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto ah spi 0x202 auth "hmac(sha1)" $A mode transport
done
note "B1: receiver's in policy lists ESP then AH (as the sender's bundle)"
x b ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp mode transport tmpl proto ah mode transport
pingt a 4321::2
xstat B1 a b
note "B2: templates in the other order (AH then ESP)"
x b ip xfrm policy update src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto ah mode transport tmpl proto esp mode transport
pingt a 4321::2
xstat B2 a b
note "B3: only the ESP template: the surplus AH transport SA is tolerated"
x b ip xfrm policy update src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp mode transport
x b ip xfrm policy list dir in
pingt a 4321::2
capstop; xstat B3 a b; sastat a b
