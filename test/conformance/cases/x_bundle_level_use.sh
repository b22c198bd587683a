# Two-template policies with `level use` on one template: on output the optional one is skipped only when it has no state; on input an optional template may be absent but a required one may not, whichever position it has.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
espsa() { x $1 ip xfrm state add dst 4321::2 proto esp spi 0x1f1 enc "cbc(aes)" $K mode transport; }
ahsa() { x $1 ip xfrm state add dst 4321::2 proto ah spi 0x1f2 auth "hmac(sha1)" $A mode transport; }
OUT2=(src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport level use tmpl proto ah mode transport)

note "V1: out ESP (use) + AH (required), only an AH state: AH alone"
pair a1 b1; cap lvl_V1 b1 eth0
x a1 ip xfrm policy add "${OUT2[@]}"
ahsa a1; ahsa b1
pingt a1 4321::2
note "V2: then an ESP state appears on both sides: ESP inside AH"
espsa a1; espsa b1
pingt a1 4321::2
capstop; xstat V1-2 a1 b1

note "V3: out AH (use) second, only ESP states: ESP alone; with only AH states and ESP required: nothing sent"
pair a3 b3; cap lvl_V3 b3 eth0
x a3 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport tmpl proto ah mode transport level use
espsa a3; espsa b3
pingt a3 4321::2
x a3 ip xfrm state deleteall proto esp
ahsa a3; ahsa b3
pingt a3 4321::2
capstop; xstat V3 a3 b3

note "V4: receiver's in policy ESP (use) + AH (required); sender sends AH alone, then ESP alone"
pair a4 b4
x b4 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp mode transport level use tmpl proto ah mode transport
ahsa a4; ahsa b4; espsa b4
x a4 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
pingt a4 4321::2
x a4 ip xfrm state flush
espsa a4
x a4 ip xfrm policy update src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
pingt a4 4321::2
xstat V4 a4 b4

note "V5: receiver requires nothing (both use): plaintext, ESP alone and AH alone all pass"
pair a5 b5
x b5 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp mode transport level use tmpl proto ah mode transport level use
ahsa a5; ahsa b5; espsa b5
pingt a5 4321::2
x a5 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
pingt a5 4321::2
xstat V5 a5 b5
