#!/bin/bash
# tunnel-as-intended.sh: the article's "Tunnel Mode Overlay Network" (ESP tunnel between [4321::1]
# and [4322::2] across a router, carrying an overlay 6666::/64), with the smallest fixes.
#
# Article: "we'll allow unencrypted packets to flow over a routed network [4321::1] and [4322::2]
#   ... but set up an overlay network on [6666::N]/64 which is fully encrypted", then on each node
#   an address 6666::N/128, an out policy with a tunnel template, an encap state, a "dir in"
#   policy "required otherwise the decapsulated packets won't get sent up the input flow" and a
#   decap state whose "sel ensures addresses after decapsulation". "With the above rules you
#   should be able to ping from [6666::1] to [6666::2] and tcpdump should show fully encrypted
#   packets going over the wire."
#
# Where Linux differs (reference/article-on-linux.md, Example 3):
# - The decap states are printed with "sip 4321"; iproute2 rejects "sip" (see
#   tunnel-as-written.sh). Fix: "spi 4321" on both nodes.
# - Node [4322::2]'s out policy is printed as a copy of node 1's ("tmpl src 4321::1 dst 4322::2").
#   It must be reversed on node 2: "tmpl src 4322::2 dst 4321::1". Fixing only "sip" is not
#   enough (tunnel-sip-fixed-only.sh).
# - "no need to add any routing entries": true only because a route covers 6666::/64 (here the
#   default route via the router); the route lookup happens before xfrm.
# - The outer source address on the wire comes from the state's src (here 4321::1 / 4322::2).
# With the fixes it works exactly as described: only ESP spi 0x10e1 crosses the router, in both
# directions; underlay pings stay plaintext. A capture on the receiving host itself would show
# every tunnel packet twice (ESP, then the decapsulated inner packet re-injected on eth0), so the
# captures here are taken on the router, which never decapsulates.
#
# Hosts: tun-h1 [4321::1] -- tun-r [4321::ff | 4322::ff] -- tun-h2 [4322::2]
# (namespaces; run on a fresh machine). Default routes via the router: harness, not article.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node tun-h1 tun-r tun-h2
link tun-h1 eth0 tun-r eth0
link tun-r eth1 tun-h2 eth0
addr tun-h1 eth0 4321::1/64
addr tun-r eth0 4321::ff/64
addr tun-r eth1 4322::ff/64
addr tun-h2 eth0 4322::2/64
forwarding tun-r
route tun-h1 default via 4321::ff
route tun-h2 default via 4322::ff
capture_start tun-h1-r tun-r eth0     # the wire between [4321::1] and the router
capture_start tun-r-h2 tun-r eth1     # the wire between the router and [4322::2]

step "the underlay: plain routed IPv6"
expect_ping_ok tun-h1 4322::2

step "on node [4321::1] (article; sip -> spi)"
on tun-h1 ip addr add 6666::1/128 dev eth0
on tun-h1 ip xfrm policy add dst 6666::2 dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
on tun-h1 ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel
on tun-h1 ip xfrm policy add dst 6666::1 dir in tmpl proto esp mode tunnel level required
on tun-h1 ip xfrm state add src 4322::2 dst 4321::1 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel sel src 6666::2 dst 6666::1

step "on node [4322::2] (article; sip -> spi, and the out template reversed for this node)"
on tun-h2 ip addr add 6666::2/128 dev eth0
on tun-h2 ip xfrm policy add dst 6666::1 dir out tmpl src 4322::2 dst 4321::1 proto esp mode tunnel
on tun-h2 ip xfrm state add src 4322::2 dst 4321::1 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel
on tun-h2 ip xfrm policy add dst 6666::2 dir in tmpl proto esp mode tunnel level required
on tun-h2 ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel sel src 6666::1 dst 6666::2

step "overlay pings (source 6666::N is chosen by itself: longest matching prefix)"
expect_ping_ok tun-h1 6666::2
expect_ping_ok tun-h2 6666::1
expect_ping_ok tun-h1 6666::2 -I 6666::1

step "the underlay is still plaintext"
expect_ping_ok tun-h1 4322::2
capture_stop
show_capture tun-h1-r
show_capture tun-r-h2

step "what the kernel counted"
# Each SA carried 3 packets (the 3 requests one way, the 3 replies the other); in tunnel mode
# the bytes are the whole inner IPv6 packet: 40 + 64 = 104 per echo.
expect_sa_packets tun-h1 4322::2 4321 3 312
expect_sa_packets tun-h1 4321::1 4321 3 312
expect_sa_packets tun-h2 4321::1 4321 3 312
expect_sa_packets tun-h2 4322::2 4321 3 312
expect_xfrm_nonzero tun-h1 ""
expect_xfrm_nonzero tun-r ""
expect_xfrm_nonzero tun-h2 ""
# On both wires: 3 ESP packets each way, the overlay addresses never visible, the underlay
# echoes in clear.
expect_capture tun-h1-r '4321::1 > 4322::2: ESP\(spi=0x000010e1' 3
expect_capture tun-h1-r '4322::2 > 4321::1: ESP\(spi=0x000010e1' 3
expect_capture tun-r-h2 '4321::1 > 4322::2: ESP\(spi=0x000010e1' 3
expect_capture tun-r-h2 '4322::2 > 4321::1: ESP\(spi=0x000010e1' 3
expect_capture tun-h1-r '6666::' 0
expect_capture tun-r-h2 '6666::' 0
expect_capture tun-h1-r '4321::1 > 4322::2: ICMP6, echo request' 2
finish
