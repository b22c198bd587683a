# State marks with masks: inbound SA lookup compares the packet's mark (after mangle PREROUTING) under the state's mask; outbound, the policy's mark value picks among states with masks.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
note "S1: receiver's state mark 0x50 mask 0xf0: ESP marked 0x5a in PREROUTING is found, 0x60 is not"
pair a1 b1; cap smark_S1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a1 ip xfrm state add dst 4321::2 proto esp spi 0x600 enc "cbc(aes)" $K mode transport
x b1 ip xfrm state add dst 4321::2 proto esp spi 0x600 enc "cbc(aes)" $K mode transport mark 0x50 mask 0xf0
x b1 ip6tables -t mangle -A PREROUTING -p esp -j MARK --set-mark 0x5a
pingt a1 4321::2
x b1 ip6tables -t mangle -R PREROUTING 1 -p esp -j MARK --set-mark 0x60
pingt a1 4321::2
capstop; xstat S1 a1 b1; sastat b1

note "S2: two inbound states with the same spi and dst, marks 1 and 2: the packet's mark chooses which one counts"
pair a2 b2
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a2 ip xfrm state add dst 4321::2 proto esp spi 0x601 enc "cbc(aes)" $K mode transport
x b2 ip xfrm state add dst 4321::2 proto esp spi 0x601 enc "cbc(aes)" $K mode transport mark 1
x b2 ip xfrm state add dst 4321::2 proto esp spi 0x601 enc "cbc(aes)" $K mode transport mark 2
x b2 ip xfrm state add dst 4321::2 proto esp spi 0x601 enc "cbc(aes)" $K mode transport mark 2
x b2 ip6tables -t mangle -A PREROUTING -p esp -j MARK --set-mark 2
pingt a2 4321::2
xstat S2 a2 b2; sastat b2

note "S3: outbound: policy mark 0x3 mask 0x3, states mark 0x4 mask 0x4 and mark 0x3 mask 0xf: the policy's value 0x3 picks the second; ping -m 7 and -m 3 both match the policy (mark 0x3 mask 0x3)"
pair a3 b3; cap smark_S3 b3 eth0
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 0x3 mask 0x3 tmpl proto esp mode transport
x a3 ip xfrm state add dst 4321::2 proto esp spi 0x631 enc "cbc(aes)" $K mode transport mark 0x4 mask 0x4
x a3 ip xfrm state add dst 4321::2 proto esp spi 0x632 enc "cbc(aes)" $K mode transport mark 0x3 mask 0xf
x b3 ip xfrm state add dst 4321::2 proto esp spi 0x631 enc "cbc(aes)" $K mode transport
x b3 ip xfrm state add dst 4321::2 proto esp spi 0x632 enc "cbc(aes)" $K mode transport
pingt a3 4321::2 -m 7
pingt a3 4321::2 -m 3
capstop; xstat S3 a3 b3; sastat a3

note "S4: state get and delete need the mark; without it the marked state is not found"
x a3 ip xfrm state get dst 4321::2 proto esp spi 0x632
x a3 ip xfrm state get dst 4321::2 proto esp spi 0x632 mark 0x3 mask 0xf
x a3 ip xfrm state delete dst 4321::2 proto esp spi 0x631
x a3 ip xfrm state delete dst 4321::2 proto esp spi 0x631 mark 0x4 mask 0x4
x a3 ip xfrm state list
