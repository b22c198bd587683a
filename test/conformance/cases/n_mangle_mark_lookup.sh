# MARK and CONNMARK in mangle decide which marked policy a packet meets: MARK in OUTPUT re-routes the packet into the marked policy, MARK in PREROUTING steers forwarded traffic into a tunnel, CONNMARK restore-mark makes the replies of a marked connection use the marked policy.
. ./lib.sh
. ./n_lib.bash
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
note "C1: mangle OUTPUT MARK 7 on echo requests; out policy with mark 7: echo leaves as ESP"
pair a1 b1; cap mm_C1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 7 tmpl proto esp mode transport
x a1 ip xfrm state add dst 4321::2 proto esp spi 0x710 enc "cbc(aes)" $K1 mode transport
x b1 ip xfrm state add dst 4321::2 proto esp spi 0x710 enc "cbc(aes)" $K1 mode transport
pingt a1 4321::2
x a1 ip6tables -t mangle -A OUTPUT -p ipv6-icmp --icmpv6-type echo-request -j MARK --set-mark 7
pingt a1 4321::2
capstop; nf a1 mangle OUTPUT; xstat C1 a1 b1; sastat a1

note "C2: mangle OUTPUT MARK 9 while ping marks 7: the policy for mark 9 wins over the one for 7"
pair a2 b2; cap mm_C2 b2 eth0
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 7 tmpl proto esp spi 0x721 mode transport
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 9 tmpl proto esp spi 0x722 mode transport
for n in a2 b2; do
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x721 enc "cbc(aes)" $K1 mode transport
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x722 enc "cbc(aes)" $K1 mode transport
done
x a2 ip6tables -t mangle -A OUTPUT -p ipv6-icmp --icmpv6-type echo-request -j MARK --set-mark 9
pingt a2 4321::2 -m 7
capstop; xstat C2 a2 b2; sastat a2

note "C3: router marks traffic from h1 in PREROUTING; only marked traffic meets the router's tunnel policy to h2"
routed h3 r3 t3; cap mm_C3 r3 eth1
x r3 ip xfrm policy add src 4321::/64 dst 4322::2 dir out mark 3 tmpl src 4322::ff dst 4322::2 proto esp mode tunnel
x r3 ip xfrm state add src 4322::ff dst 4322::2 proto esp spi 0x730 enc "cbc(aes)" $K1 mode tunnel
x t3 ip xfrm state add src 4322::ff dst 4322::2 proto esp spi 0x730 enc "cbc(aes)" $K1 mode tunnel
x t3 ip xfrm policy add src 4321::/64 dst 4322::2 dir in tmpl src 4322::ff dst 4322::2 proto esp mode tunnel level use
pingt h3 4322::2
x r3 ip6tables -t mangle -A PREROUTING -i eth0 -j MARK --set-mark 3
pingt h3 4322::2
capstop; nf r3 mangle PREROUTING; xstat C3 r3 t3; sastat r3

note "C4: the responder saves a mark on the connection of a plain echo request and restores it on the reply: the reply goes out as ESP"
pair a4 b4; cap mm_C4 b4 eth0
x b4 ip xfrm policy add dst 4321::1 proto ipv6-icmp type 129 dir out mark 4 tmpl proto esp mode transport
x b4 ip xfrm state add dst 4321::1 proto esp spi 0x740 enc "cbc(aes)" $K2 mode transport
x a4 ip xfrm state add dst 4321::1 proto esp spi 0x740 enc "cbc(aes)" $K2 mode transport
x b4 ip6tables -t mangle -A INPUT -p ipv6-icmp --icmpv6-type echo-request -j CONNMARK --set-mark 4
x b4 ip6tables -t mangle -A OUTPUT -p ipv6-icmp --icmpv6-type echo-reply -j CONNMARK --restore-mark
x b4 ip6tables -t mangle -A OUTPUT -p ipv6-icmp -m mark --mark 4
pingt a4 4321::2
capstop; nf b4 mangle INPUT; nf b4 mangle OUTPUT; xstat C4 a4 b4; sastat b4
