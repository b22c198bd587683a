#!/bin/bash
# tunnel-as-written.sh: the article's "Tunnel Mode Overlay Network" (ESP tunnel between [4321::1]
# and [4322::2] across a router, overlay 6666::/64) with its commands exactly as printed.
#
# Article: "With the above rules you should be able to ping from [6666::1] to [6666::2] and tcpdump
#   should show fully encrypted packets going over the wire."
#
# What Linux does instead (reference/article-on-linux.md, Example 3):
# - The two decap states are printed with "sip 4321". iproute2 rejects the word:
#   'Error: argument "sip" is wrong: unknown', exit status 255, and no state is added. So neither
#   node can decapsulate anything.
# - Node [4322::2]'s out policy is printed as a copy of node 1's: "tmpl src 4321::1 dst 4322::2".
#   It is accepted, but on node 2 it asks for a state "src 4321::1 dst 4322::2", which does not
#   exist there (the only state node 2 has is its encap state dst 4321::1).
# Result: every overlay ping fails.
# - [4321::1]'s requests do leave as ESP tunnel packets (its out policy and state are right), but
#   [4322::2] has no state with dst 4322::2: dropped before decapsulation, XfrmInNoStates (2 =
#   the two requests from [4321::1]).
# - [4322::2]'s own ping never leaves: no state for its template, a silent drop counted as
#   XfrmOutNoStates. That one ping counts 5, not 1: iputils ping first connects a UDP probe socket
#   to choose its source address, and each of its route lookups with the xfrm policy counts
#   (article-on-linux.md, "Counter caveat").
# - The underlay (4321::1 <-> 4322::2) is untouched and stays plaintext.
# See tunnel-as-intended.sh for the fixes.
#
# Hosts: tunw-h1 [4321::1] -- tunw-r [4321::ff | 4322::ff] -- tunw-h2 [4322::2]
# (namespaces; run on a fresh machine). Default routes via the router: harness, not article.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node tunw-h1 tunw-r tunw-h2
link tunw-h1 eth0 tunw-r eth0
link tunw-r eth1 tunw-h2 eth0
addr tunw-h1 eth0 4321::1/64
addr tunw-r eth0 4321::ff/64
addr tunw-r eth1 4322::ff/64
addr tunw-h2 eth0 4322::2/64
forwarding tunw-r
route tunw-h1 default via 4321::ff
route tunw-h2 default via 4322::ff
capture_start tunw-h1-r tunw-r eth0   # the wire between [4321::1] and the router
capture_start tunw-r-h2 tunw-r eth1   # the wire between the router and [4322::2]

step "the underlay: plain routed IPv6"
expect_ping_ok tunw-h1 4322::2

step "on node [4321::1] (article, as printed)"
on tunw-h1 ip addr add 6666::1/128 dev eth0
on tunw-h1 ip xfrm policy add dst 6666::2 dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
on tunw-h1 ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel
on tunw-h1 ip xfrm policy add dst 6666::1 dir in tmpl proto esp mode tunnel level required
expect_cmd_fail tunw-h1 255 'Error: argument "sip" is wrong: unknown' \
  ip xfrm state add src 4322::2 dst 4321::1 proto esp sip 4321 enc "cbc(aes)" 1234567890123456 mode tunnel sel src 6666::2 dst 6666::1

step "on node [4322::2] (article, as printed: the out template is node 1's, not reversed)"
on tunw-h2 ip addr add 6666::2/128 dev eth0
on tunw-h2 ip xfrm policy add dst 6666::1 dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
on tunw-h2 ip xfrm state add src 4322::2 dst 4321::1 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel
on tunw-h2 ip xfrm policy add dst 6666::2 dir in tmpl proto esp mode tunnel level required
expect_cmd_fail tunw-h2 255 'Error: argument "sip" is wrong: unknown' \
  ip xfrm state add src 4321::1 dst 4322::2 proto esp sip 4321 enc "cbc(aes)" 1234567890123456 mode tunnel sel src 6666::1 dst 6666::2
expect_sa_count tunw-h1 1
expect_sa_count tunw-h2 1

step "overlay pings: all fail"
expect_ping_fail tunw-h1 6666::2
expect_ping_fail tunw-h2 6666::1
expect_ping_fail tunw-h1 6666::2 -I 6666::1

step "the underlay is still plaintext and works"
expect_ping_ok tunw-h1 4322::2
capture_stop
show_capture tunw-h1-r
show_capture tunw-r-h2

step "what the kernel counted"
expect_xfrm_nonzero tunw-h1 ""
expect_xfrm_nonzero tunw-r ""
expect_xfrm_nonzero tunw-h2 "XfrmInNoStates=2 XfrmOutNoStates=5"
expect_sa_packets tunw-h1 4322::2 4321 2 208     # [4321::1]'s two requests were encrypted
expect_sa_packets tunw-h2 4321::1 4321 0 0       # [4322::2] never sent anything
expect_capture tunw-r-h2 '4321::1 > 4322::2: ESP\(spi=0x000010e1' 2
expect_capture tunw-r-h2 '4322::2 > 4321::1: ESP' 0
finish
