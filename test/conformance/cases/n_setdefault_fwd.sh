# setdefault fwd block on a router: forwarding stops (XfrmInNoPols) until fwd allow policies cover each direction; a type-selected exception lets requests through but not replies; out block on the router stops forwarding as well.
. ./lib.sh
. ./n_lib.bash
note "F1: fwd block, no policy: h1 cannot reach h2 through r, r itself is still reachable"
routed h1 r1 t1
x r1 ip xfrm policy setdefault fwd block
pingt h1 4322::2
pingt h1 4321::ff
pingt h1 4322::ff
xstat F1 h1 r1 t1

note "F2: fwd block plus an allow fwd policy h1 -> h2 only: the request crosses, the reply does not; then the reverse policy too"
routed h2 r2 t2; cap sdf_F2 r2 eth1
x r2 ip xfrm policy setdefault fwd block
x r2 ip xfrm policy add src 4321::1 dst 4322::2 dir fwd
pingt h2 4322::2
xstat F2a r2
x r2 ip xfrm policy add src 4322::2 dst 4321::1 dir fwd
pingt h2 4322::2
capstop; xstat F2b r2

note "F3: fwd block with an exception for ICMPv6 type 128 in both directions: requests cross, replies are dropped"
routed h3 r3 t3
x r3 ip xfrm policy setdefault fwd block
x r3 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 128 dir fwd
pingt h3 4322::2
xstat F3 r3

note "F4: out block on the router (fwd accept): forwarding stops; out allow policies for both subnets bring it back"
routed h4 r4 t4
x r4 ip xfrm policy setdefault out block
x r4 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir out
x r4 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 136 dir out
pingt h4 4322::2
xstat F4a r4
x r4 ip xfrm policy add dst 4322::/64 dir out
x r4 ip xfrm policy add dst 4321::/64 dir out
pingt h4 4322::2
xstat F4b r4
