# Template level use versus required: an optional AH template is skipped on output when no AH state exists and on input when the packet has no AH; a required one is not; an optional tunnel template is refused in an out policy.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
note "U1: out ESP required + AH use, only ESP states; receiver's in policy ESP required + AH use"
pair a1 b1; cap level_U1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport tmpl proto ah mode transport level use
x a1 ip xfrm state add dst 4321::2 proto esp spi 0x600 enc "cbc(aes)" $K mode transport
x b1 ip xfrm state add dst 4321::2 proto esp spi 0x600 enc "cbc(aes)" $K mode transport
x b1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp mode transport tmpl proto ah mode transport level use
x b1 ip xfrm policy list
pingt a1 4321::2
capstop; xstat U1 a1 b1

note "U2: the same, but the receiver's AH template is required"
pair a2 b2
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport tmpl proto ah mode transport level use
x a2 ip xfrm state add dst 4321::2 proto esp spi 0x600 enc "cbc(aes)" $K mode transport
x b2 ip xfrm state add dst 4321::2 proto esp spi 0x600 enc "cbc(aes)" $K mode transport
x b2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp mode transport tmpl proto ah mode transport level required
pingt a2 4321::2
xstat U2 a2 b2

note "U3: out policy with only an optional ESP template and no state: the echo goes out in plaintext"
pair a3 b3; cap level_U3 b3 eth0
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport level use
pingt a3 4321::2
capstop; xstat U3 a3 b3

note "U4: optional tunnel template in an out policy, and in an in policy"
x a3 ip xfrm policy add dst 4321::3 dir out tmpl src 4321::1 dst 4321::3 proto esp mode tunnel level use
x a3 ip xfrm policy add src 4321::3 dir in tmpl src 4321::3 dst 4321::1 proto esp mode tunnel level use
x a3 ip xfrm policy list
