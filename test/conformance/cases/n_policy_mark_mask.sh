# Policy marks with masks: an out policy "mark V mask M" selects packets whose mark ANDed with M equals V, the lower priority number wins among marked policies, and the policy's own mark (not the packet's) picks the state.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
note "P1: policy mark 0x10 mask 0xf0: marks 16 (0x10) and 31 (0x1f) are ESP, 32 (0x20) and no mark stay plaintext (ping -m takes decimal only)"
pair a1 b1; cap pmark_P1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 0x10 mask 0xf0 tmpl proto esp mode transport
x a1 ip xfrm state add dst 4321::2 proto esp spi 0x510 enc "cbc(aes)" $K mode transport mark 0x10 mask 0xf0
x b1 ip xfrm state add dst 4321::2 proto esp spi 0x510 enc "cbc(aes)" $K mode transport
x a1 ip xfrm policy list
pingt a1 4321::2 -m 16
pingt a1 4321::2 -m 31
pingt a1 4321::2 -m 32
pingt a1 4321::2
capstop; xstat P1 a1 b1; sastat a1

note "P2: two marked policies for the same flow (mark 1 and mark 2), each with its own SA"
pair a2 b2; cap pmark_P2 b2 eth0
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 1 tmpl proto esp spi 0x521 mode transport
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 2 tmpl proto esp spi 0x522 mode transport
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 2 tmpl proto esp spi 0x522 mode transport
for n in a2 b2; do
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x521 enc "cbc(aes)" $K mode transport mark 1
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x522 enc "cbc(aes)" $K mode transport mark 2
done
x b2 ip6tables -t mangle -A PREROUTING -p esp -m esp --espspi 0x521 -j MARK --set-mark 1
x b2 ip6tables -t mangle -A PREROUTING -p esp -m esp --espspi 0x522 -j MARK --set-mark 2
pingt a2 4321::2 -m 1
pingt a2 4321::2 -m 2
pingt a2 4321::2 -m 3
capstop; xstat P2 a2 b2; sastat a2 b2

note "P3: overlapping masks: mark 0x100/0xf00 priority 20 and mark 0x1/0xf priority 10; mark 257 (0x101) matches both, priority 10 wins"
pair a3 b3; cap pmark_P3 b3 eth0
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 0x100 mask 0xf00 priority 20 tmpl proto esp spi 0x531 mode transport
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 0x1 mask 0xf priority 10 tmpl proto esp spi 0x532 mode transport
for n in a3 b3; do
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x531 enc "cbc(aes)" $K mode transport
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x532 enc "cbc(aes)" $K mode transport
done
x a3 ip xfrm state update dst 4321::2 proto esp spi 0x531 enc "cbc(aes)" $K mode transport mark 0x100 mask 0xf00
x a3 ip xfrm state update dst 4321::2 proto esp spi 0x532 enc "cbc(aes)" $K mode transport mark 0x1 mask 0xf
pingt a3 4321::2 -m 257
pingt a3 4321::2 -m 256
pingt a3 4321::2 -m 513
capstop; xstat P3 a3 b3; sastat a3

note "P4: a policy mark does not take part in its identity check without the mark: get and delete need it"
x a3 ip xfrm policy get dst 4321::2 proto ipv6-icmp type 128 dir out
x a3 ip xfrm policy get dst 4321::2 proto ipv6-icmp type 128 dir out mark 0x1 mask 0xf
x a3 ip xfrm policy delete dst 4321::2 proto ipv6-icmp type 128 dir out mark 0x100 mask 0xf00
x a3 ip xfrm policy list
