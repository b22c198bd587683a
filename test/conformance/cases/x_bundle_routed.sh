# Bundles across a router: an end-to-end ESP transport SA inside an AH tunnel from h1 to the router; the router decapsulates and forwards only once a fwd policy names the tunnel (a tunnel SA with no fwd policy is refused); and the reverse nesting with the tunnel to h2.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
note "R1: h1 sends ESP transport (to h2) inside an AH tunnel h1 -> r"
routed h1 r h2; cap rt_R1a r eth0; cap rt_R1b r eth1
x h1 ip xfrm policy add src 4321::1 dst 4322::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport tmpl src 4321::1 dst 4321::ff proto ah mode tunnel
for n in h1 h2; do x $n ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 0x1e1 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode transport; done
for n in h1 r; do x $n ip xfrm state add src 4321::1 dst 4321::ff proto ah spi 0x1e2 auth "hmac(sha1)" $A mode tunnel; done
pingt h1 4322::2
xstat R1-nofwd h1 r h2
x r ip xfrm policy add src 4321::1 dst 4322::2 dir fwd tmpl src 4321::1 dst 4321::ff proto ah mode tunnel
pingt h1 4322::2
x r ip xfrm policy update src 4321::1 dst 4322::2 dir fwd tmpl src 4321::1 dst 4321::ff proto esp mode tunnel
pingt h1 4322::2
x r ip xfrm policy update src 4321::1 dst 4322::2 dir fwd tmpl src 4321::1 dst 4321::ff proto ah mode tunnel level use
pingt h1 4322::2
capstop; xstat R1 h1 r h2; sastat r h2

note "R2: AH transport h1 -> h2 inside an ESP tunnel h1 -> r; h2 requires AH in its in policy"
routed h3 r2 h4; cap rt_R2 r2 eth1
x h3 ip xfrm policy add src 4321::1 dst 4322::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport tmpl src 4321::1 dst 4321::ff proto esp mode tunnel
x h4 ip xfrm policy add src 4321::1 dst 4322::2 proto ipv6-icmp type 128 dir in tmpl proto ah mode transport
x r2 ip xfrm policy add src 4321::1 dst 4322::2 dir fwd tmpl src 4321::1 dst 4321::ff proto esp mode tunnel
for n in h3 h4; do x $n ip xfrm state add src 4321::1 dst 4322::2 proto ah spi 0x1e3 auth "hmac(sha1)" $A mode transport; done
for n in h3 r2; do x $n ip xfrm state add src 4321::1 dst 4321::ff proto esp spi 0x1e4 enc "cbc(aes)" $K mode tunnel; done
pingt h3 4322::2
x h4 ip xfrm policy update src 4321::1 dst 4322::2 proto ipv6-icmp type 128 dir in tmpl src 4321::1 dst 4321::ff proto esp mode tunnel tmpl proto ah mode transport
pingt h3 4322::2
capstop; xstat R2 h3 r2 h4
