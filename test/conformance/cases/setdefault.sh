# Default policies (ip xfrm policy setdefault): out block stops everything but loopback routes, allow policies let chosen flows out; in block drops what no in policy covers; fwd block leaves local delivery alone; bad values.
. ./lib.sh
note "D1: out block: pings to the peer fail with EPERM, ::1 and the host's own address still work"
pair a1 b1
x a1 ip xfrm policy setdefault out block
x a1 ip xfrm policy getdefault
pingt a1 4321::2
pingt a1 ::1
pingt a1 4321::1
xstat D1 a1

note "D2: out block with allow policies for neighbour discovery and for the peer"
pair a2 b2; cap default_D2 b2 eth0
x a2 ip xfrm policy setdefault out block
x a2 ip xfrm policy add dst ff02::/16 dir out
x a2 ip xfrm policy add dst 4321::2 dir out
pingt a2 4321::2
capstop; xstat D2 a2 b2

note "D3: in block on the receiver, NS and NA allowed by policies: the echo request is dropped"
pair a3 b3; cap default_D3 b3 eth0
x b3 ip xfrm policy setdefault in block
x b3 ip xfrm policy add proto ipv6-icmp type 135 dir in
x b3 ip xfrm policy add proto ipv6-icmp type 136 dir in
x b3 ip xfrm policy getdefault
pingt a3 4321::2
capstop; xstat D3 a3 b3

note "D4: fwd block does not touch local delivery"
pair a4 b4
x b4 ip xfrm policy setdefault fwd block
pingt a4 4321::2
xstat D4 a4 b4

note "D5: bad values"
x b4 ip xfrm policy setdefault out allow
x b4 ip xfrm policy setdefault sideways block
x b4 ip xfrm policy setdefault in
x b4 ip xfrm policy getdefault
