#!/bin/bash
# tunnel-sip-fixed-only.sh: the article's tunnel-mode ESP overlay with ONLY the "sip" typo fixed.
# Node [4322::2] keeps the out policy printed in the article, a copy of node 1's:
#     ip xfrm policy add dst 6666::1 dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
# States are "location agnostic" (article), so could node 2 simply use the state src 4321::1
# dst 4322::2 it has for decapsulation? No (reference/article-on-linux.md, Example 3):
# - [4322::2] now decapsulates [4321::1]'s requests (its "dst 4322::2" state counts them), but
#   its replies, and its own ping, find no usable state: the only state matching the template
#   (src 4321::1 dst 4322::2) carries "sel src 6666::1 dst 6666::2", and a state's sel restricts
#   output too; the reply flow 6666::2 -> 6666::1 does not match it. Silent drop, counted as
#   XfrmOutNoStates: 1 per reply to the two requests + 5 for node 2's own ping (iputils ping's
#   UDP probe lookups, article-on-linux.md "Counter caveat") = 7.
# - The template's outer addresses are node 1's view (outer dst 4322::2 is node 2 itself);
#   reversing them on node 2 is the second fix (tunnel-as-intended.sh).
#
# Hosts: tuns-h1 [4321::1] -- tuns-r [4321::ff | 4322::ff] -- tuns-h2 [4322::2]
# (namespaces; run on a fresh machine). Default routes via the router: harness, not article.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node tuns-h1 tuns-r tuns-h2
link tuns-h1 eth0 tuns-r eth0
link tuns-r eth1 tuns-h2 eth0
addr tuns-h1 eth0 4321::1/64
addr tuns-r eth0 4321::ff/64
addr tuns-r eth1 4322::ff/64
addr tuns-h2 eth0 4322::2/64
forwarding tuns-r
route tuns-h1 default via 4321::ff
route tuns-h2 default via 4322::ff
capture_start tuns-r-h2 tuns-r eth1   # the wire between the router and [4322::2]

step "on node [4321::1] (article; sip -> spi)"
on tuns-h1 ip addr add 6666::1/128 dev eth0
on tuns-h1 ip xfrm policy add dst 6666::2 dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
on tuns-h1 ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel
on tuns-h1 ip xfrm policy add dst 6666::1 dir in tmpl proto esp mode tunnel level required
on tuns-h1 ip xfrm state add src 4322::2 dst 4321::1 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel sel src 6666::2 dst 6666::1

step "on node [4322::2] (article; sip -> spi, the out template NOT reversed)"
on tuns-h2 ip addr add 6666::2/128 dev eth0
on tuns-h2 ip xfrm policy add dst 6666::1 dir out tmpl src 4321::1 dst 4322::2 proto esp mode tunnel
on tuns-h2 ip xfrm state add src 4322::2 dst 4321::1 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel
on tuns-h2 ip xfrm policy add dst 6666::2 dir in tmpl proto esp mode tunnel level required
on tuns-h2 ip xfrm state add src 4321::1 dst 4322::2 proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode tunnel sel src 6666::1 dst 6666::2

step "overlay pings: all fail"
expect_ping_fail tuns-h1 6666::2
expect_ping_fail tuns-h2 6666::1
expect_ping_fail tuns-h1 6666::2 -I 6666::1
capture_stop
show_capture tuns-r-h2

step "what the kernel counted"
expect_sa_packets tuns-h1 4322::2 4321 2 208   # h1 encrypted its two requests
expect_sa_packets tuns-h2 4322::2 4321 2 208   # h2 decrypted both
expect_sa_packets tuns-h2 4321::1 4321 0 0     # h2 never encrypted anything
expect_sa_packets tuns-h1 4321::1 4321 0 0
expect_xfrm_nonzero tuns-h1 ""
expect_xfrm_nonzero tuns-h2 "XfrmOutNoStates=7"
expect_capture tuns-r-h2 '4321::1 > 4322::2: ESP\(spi=0x000010e1' 2
expect_capture tuns-r-h2 '4322::2 > 4321::1' 0
finish
