# Policies selecting neighbour discovery by ICMPv6 type and code (with ::/0 addresses: without any address a policy is IPv4 and never meets ND): a block policy for type 135 out stops resolution (XfrmOutPolBlock), type 136 in blocks the answer (XfrmInPolBlock), a code that NS never has matches nothing, and an ESP policy for type 135 needs an SA for the solicited-node multicast address, with which the NS travels encrypted.
. ./lib.sh
. ./n_lib.bash
K=0x00112233445566778899aabbccddeeff
note "Y0: a type 135 block policy given without any address is an IPv4 policy: the ping works, nothing counted"
pair a0 b0
x a0 ip xfrm policy add proto ipv6-icmp type 135 dir out action block
x a0 ip xfrm policy list
pingt a0 4321::2
xstat Y0 a0 b0

note "Y1: a blocks type 135 out: three NS refused, the ping fails"
pair a1 b1
x a1 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir out action block
x a1 ip xfrm policy list
pingt a1 4321::2; sleep 2
xstat Y1 a1 b1

note "Y2: a blocks type 136 in: b's advertisements are dropped"
pair a2 b2; cap ndt_Y2 b2 eth0
x a2 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 136 dir in action block
pingt a2 4321::2; sleep 2
capstop; xstat Y2 a2 b2

note "Y3: block policies for type 135 code 1 in and out: NS has code 0, nothing is blocked"
pair a3 b3
x a3 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 code 1 dir out action block
x b3 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 code 1 dir in action block
pingt a3 4321::2
xstat Y3 a3 b3

note "Y4: ESP policy for type 135 out on a, no SA: XfrmOutNoStates"
pair a4 b4
x a4 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir out tmpl proto esp mode transport
pingt a4 4321::2; sleep 2
xstat Y4 a4 b4

note "Y5: the same with an SA for b's solicited-node address ff02::1:ff00:2 on both sides: the NS goes out in ESP and b answers"
pair a5 b5; cap ndt_Y5 b5 eth0
x a5 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir out tmpl proto esp mode transport
for n in a5 b5; do x $n ip xfrm state add dst ff02::1:ff00:2 proto esp spi 0x790 enc "cbc(aes)" $K mode transport; done
pingt a5 4321::2
capstop; xstat Y5 a5 b5; sastat a5 b5

note "Y6: a selector on the solicited-node prefix (dst ff02::1:ff00:0/104) with action block also stops resolution"
pair a6 b6
x a6 ip xfrm policy add dst ff02::1:ff00:0/104 dir out action block
pingt a6 4321::2; sleep 2
xstat Y6 a6 b6
