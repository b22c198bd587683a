#!/bin/bash
# ah1-as-intended.sh: the article's first example, one-way AH from [4321::1] to [4321::2], with the
# smallest fix that makes it work on Linux 6.1.
#
# Article: "To set up authenticated headers one way (from 1->2) you need a policy specifying AH"
#     ip xfrm policy add dst 4321::/64 dir out tmpl proto ah mode tunnel
#   "Followed by a state that's specific to the destination"
#     ip xfrm state add dst 4321::2 proto ah spi 4321 auth "hmac(sha1)" 1234 mode transport
#   "... nothing will come back until you add on [4321::2]" the same state, then "the ping packet
#   has an authentication header, but the response is a simple icmp6 response packet (no AH)".
#
# Where Linux differs (reference/article-on-linux.md, Example 1):
# - As printed, the policy template says "mode tunnel" but gives no outer addresses: every send
#   fails (see ah1-as-written.sh). The fix: "mode transport" in the template, matching the state.
# - With that fix everything happens as the article says: the first echo request carries AH but the
#   receiver has no SA for it and drops it silently (XfrmInNoStates=1); once [4321::2] has the same
#   state, the request is authenticated and the reply comes back as plain ICMPv6.
# - The "short key" 1234 is its 4 ASCII bytes (0x31323334, 32 bits): hmac(sha1) takes any length.
# - Neighbour discovery stays plain: the NS goes to a multicast address (not in 4321::/64) and
#   [4321::2] has no policy at all.
#
# Hosts: ah1-a [4321::1] and ah1-b [4321::2] on one link (namespaces; run on a fresh machine).
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node ah1-a ah1-b
link ah1-a eth0 ah1-b eth0
addr ah1-a eth0 4321::1/64
addr ah1-b eth0 4321::2/64
capture_start ah1 ah1-b eth0          # the article runs tcpdump on [4321::2]

step "on [4321::1] (article; template fixed: mode tunnel -> mode transport)"
on ah1-a ip xfrm policy add dst 4321::/64 dir out tmpl proto ah mode transport
on ah1-a ip xfrm state add dst 4321::2 proto ah spi 4321 auth "hmac(sha1)" 1234 mode transport

step "ping from [4321::1]: the request carries AH, [4321::2] has no SA for it, nothing comes back"
expect_ping_fail ah1-a 4321::2
expect_xfrm_nonzero ah1-b "XfrmInNoStates=1"   # one AH packet arrived for which no state exists
expect_xfrm_nonzero ah1-a ""

step "on [4321::2] (article): the same state, now used to check the AH"
on ah1-b ip xfrm state add dst 4321::2 proto ah spi 4321 auth "hmac(sha1)" 1234 mode transport

step "ping again: AH request, plain reply"
expect_ping_ok ah1-a 4321::2
capture_stop
show_capture ah1

step "what the kernel counted"
# a's SA encoded both requests (seq 1 and 2); bytes count the inner payload, 64 per echo.
expect_sa_packets ah1-a 4321::2 4321 2 128
# b's identical SA decoded only the second one.
expect_sa_packets ah1-b 4321::2 4321 1 64
expect_xfrm_nonzero ah1-a ""
expect_xfrm_nonzero ah1-b "XfrmInNoStates=1"
# On the wire: two AH echo requests, one plain echo reply, no AH the other way.
expect_capture ah1 '4321::1 > 4321::2: AH\(spi=0x000010e1,seq=0x[12],.*echo request' 2
expect_capture ah1 '4321::2 > 4321::1: ICMP6, echo reply' 1
expect_capture ah1 '4321::2 > 4321::1: AH' 0
finish
