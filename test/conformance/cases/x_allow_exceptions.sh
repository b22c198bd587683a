# Block policies with allow exceptions: a selector without addresses has no family and applies to no IPv6 packet; a catch-all ::/0 block also stops neighbour discovery unless excepted; exceptions by ICMPv6 type and direction; a forward block on a router with allow exceptions per direction.
. ./lib.sh
ALL=(src ::/0 dst ::/0)
# settle: the MLD reports that follow a new address leave within about 1 s. Waiting lets them go
# before the policies and rules below exist, as under the kernel, where the commands take that long.
settle() { sleep 1.2; }

note "A0: out block without addresses (no family): it applies to nothing, the echo passes"
pair a0 b0; settle
x a0 ip xfrm policy add dir out priority 100 action block
x a0 ip xfrm policy list
pingt a0 4321::2
xstat A0 a0 b0

note "A1: out block src ::/0 dst ::/0 (priority 100), no exception: neither ND nor the echo leaves"
pair a1 b1; settle; cap allow_A1 b1 eth0
x a1 ip xfrm policy add "${ALL[@]}" dir out priority 100 action block
pingt a1 4321::2
capstop; xstat A1 a1 b1

note "A2: as A1, with allow exceptions for ICMPv6 types 135, 136 (ND) and 128 (echo request) at priority 10"
pair a2 b2; settle; cap allow_A2 b2 eth0
x a2 ip xfrm policy add "${ALL[@]}" dir out priority 100 action block
for t in 135 136 128; do x a2 ip xfrm policy add "${ALL[@]}" proto ipv6-icmp type $t dir out priority 10 action allow; done
x a2 ip xfrm policy list
pingt a2 4321::2
capstop; xstat A2 a2 b2

note "A3: b blocks input except ND and echo requests: the request gets in, b's reply is not blocked on output"
pair a3 b3; settle
x b3 ip xfrm policy add "${ALL[@]}" dir in priority 100 action block
for t in 135 136 128; do x b3 ip xfrm policy add "${ALL[@]}" proto ipv6-icmp type $t dir in priority 10; done
pingt a3 4321::2
xstat A3 a3 b3

note "A4: a blocks input except ND: the echo reply is dropped; an exception for type 129 behind the block (101), then before it (99)"
pair a4 b4; settle
x a4 ip xfrm policy add "${ALL[@]}" dir in priority 100 action block
for t in 135 136; do x a4 ip xfrm policy add "${ALL[@]}" proto ipv6-icmp type $t dir in priority 10; done
pingt a4 4321::2
x a4 ip xfrm policy add "${ALL[@]}" proto ipv6-icmp type 129 dir in priority 101
pingt a4 4321::2
x a4 ip xfrm policy update "${ALL[@]}" proto ipv6-icmp type 129 dir in priority 99
pingt a4 4321::2
xstat A4 a4 b4

note "A5: router with a forward block, then allow echo requests from 4321::/64 and echo replies from 4322::/64"
routed h1 r h2; settle; cap allow_A5 r eth1
x r ip xfrm policy add "${ALL[@]}" dir fwd priority 100 action block
pingt h1 4322::2
x r ip xfrm policy add src 4321::/64 dst ::/0 proto ipv6-icmp type 128 dir fwd priority 10
pingt h1 4322::2
x r ip xfrm policy add src 4322::/64 dst ::/0 proto ipv6-icmp type 129 dir fwd priority 10
pingt h1 4322::2
x r ip xfrm policy list dir fwd
pingt h2 4321::1
capstop; xstat A5 h1 r h2
