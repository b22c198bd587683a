# setdefault out block: with no policy at all the peer's ping dies on our missing advertisement; action block policies count XfrmOutPolBlock where the default does not; ND and one flow let out by selectors; UDP refused too.
. ./lib.sh
. ./n_lib.bash
note "B1: out block and no policy on a: a's ping fails with EPERM, b's ping to a fails (a cannot answer the NS), no counter"
pair a1 b1
x a1 ip xfrm policy setdefault out block
x a1 ip xfrm policy list
pingt a1 4321::2
pingt b1 4321::1
xstat B1 a1 b1

note "B2: out block with an action block policy for 4321::2: XfrmOutPolBlock; an allow policy with priority 5 above it lets the echo out"
pair a2 b2
x a2 ip xfrm policy setdefault out block
x a2 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir out
x a2 ip xfrm policy add dst 4321::2 dir out action block priority 10
pingt a2 4321::2
xstat B2a a2 b2
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out priority 5
pingt a2 4321::2
xstat B2b a2 b2

note "B3: out block with NS, NA and echo-request allow policies: the ping works, UDP to b is refused"
pair a3 b3; cap sdo_B3 b3 eth0
x a3 ip xfrm policy setdefault out block
x a3 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir out
x a3 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 136 dir out
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out
x a3 ip xfrm policy getdefault
pingt a3 4321::2
pingt b3 4321::1
udpsend a3 4321::2 5000
capstop; xstat B3 a3 b3
snmp6 a3 B3 Udp6OutDatagrams Icmp6OutEchoReplies Icmp6OutEchos
