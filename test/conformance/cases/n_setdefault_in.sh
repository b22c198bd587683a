# setdefault in block: allow policies let chosen flows in (ND, one source, a protected flow), everything else, loopback included, is dropped with XfrmInNoPols; with no policy at all even neighbour advertisements die; several directions in one setdefault command.
. ./lib.sh
. ./n_lib.bash
K=0x00112233445566778899aabbccddeeff
note "I1: in block on b, allow NS, NA and echo requests from 4321::1: pings from a's newer address 4321::11 (its default source) are refused"
pair a1 b1; addr a1 eth0 4321::11/64; cap sdi_I1 b1 eth0
x b1 ip xfrm policy setdefault in block
x b1 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir in
x b1 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 136 dir in
x b1 ip xfrm policy add src 4321::1 proto ipv6-icmp type 128 dir in
pingt a1 4321::2 -I 4321::1
pingt a1 4321::2
capstop; xstat I1 a1 b1

note "I2: in block with a required ESP policy for echo requests from a: protected echo in, plaintext echo from a's default source 4321::11 out; b's own loopback ping also fails"
pair a2 b2; addr a2 eth0 4321::11/64
x b2 ip xfrm policy setdefault in block
x b2 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir in
x b2 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 136 dir in
x b2 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp mode transport
x a2 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
for n in a2 b2; do x $n ip xfrm state add dst 4321::2 proto esp spi 0x760 enc "cbc(aes)" $K mode transport; done
pingt a2 4321::2 -I 4321::1
pingt a2 4321::2
pingt b2 ::1
xstat I2 a2 b2; sastat b2

note "I3: in block and no policy at all: a cannot reach b, its three NS are dropped (b's own pings fail as in I2: not repeated here, since a's answers to b would be followed by NUD probes whose count depends on timing)"
pair a3 b3
x b3 ip xfrm policy setdefault in block
pingt a3 4321::2; sleep 2
xstat I3 a3 b3

note "I4: getdefault after several directions in one command, then back to accept one by one"
x b3 ip xfrm policy getdefault
x b3 ip xfrm policy setdefault in block fwd block out block
x b3 ip xfrm policy getdefault
x b3 ip xfrm policy setdefault fwd accept
x b3 ip xfrm policy getdefault
x b3 ip xfrm policy setdefault in accept out accept
x b3 ip xfrm policy getdefault
x b3 ip xfrm policy setdefault in block fwd
x b3 ip xfrm policy getdefault
