# Gateway-to-gateway ESP tunnel with hosts behind each gateway and a plain router between the gateways: with fwd policies the hosts talk through the tunnel; without a fwd policy the decapsulated packets are dropped (XfrmInNoPols); setdefault fwd block on the gateways leaves the covered flow alone and drops the rest.
. ./lib.sh
. ./n_lib.bash
note "G1: out and fwd policies on both gateways: h1 <-> h2 works, the router sees only ESP between 4323::1 and 4324::2"
gwtun h1 g1 r1 k1 t1; cap gw_G1 r1 eth1
gwpol g1 k1; gwfwd g1 k1; gwsa g1 k1
pingt h1 4322::2
pingt t1 4321::1
capstop; xstat G1 g1 r1 k1; sastat g1 k1

note "G2: no fwd policy on the second gateway: what it decapsulates is dropped (XfrmInNoPols), ESP still counted by the SA"
gwtun h2 g2 r2 k2 t2
gwpol g2 k2; gwsa g2 k2
x g2 ip xfrm policy add src 4322::/64 dst 4321::/64 dir fwd tmpl src 4324::2 dst 4323::1 proto esp reqid 2 mode tunnel
pingt h2 4322::2
xstat G2 g2 k2; sastat k2

note "G3: setdefault fwd block on both gateways with the fwd policies present: the tunnelled flow works, h1 -> router address and h1 -> gateway 2 outer address are dropped at g3"
gwtun h3 g3 r3 k3 t3
gwpol g3 k3; gwfwd g3 k3; gwsa g3 k3
x g3 ip xfrm policy setdefault fwd block
x k3 ip xfrm policy setdefault fwd block
pingt h3 4322::2
pingt h3 4323::ff
pingt h3 4324::2
xstat G3 g3 k3

note "G4: the gateway's own traffic to the far host is not covered (source 4323::1 outside 4321::/64): it crosses the router in plaintext"
cap gw_G4 r3 eth1
pingt g3 4322::2
capstop; xstat G4 g3 k3
