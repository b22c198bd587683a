#!/bin/bash
# ah1-as-written.sh: the article's first example (one-way AH from [4321::1] to [4321::2]) with its
# commands exactly as printed, and what Linux 6.1 does with them.
#
# Article: "you need a policy specifying AH (can be specific or subnet based, so this is subnet)"
#     ip xfrm policy add dst 4321::/64 dir out tmpl proto ah mode tunnel
#     ip xfrm state add dst 4321::2 proto ah spi 4321 auth "hmac(sha1)" 1234 mode transport
#   "If you ping from [4321::1] and do a tcp dump from [4321::2] you'll see IP6 4321::1 > 4321::2: AH(...)"
#
# What Linux does instead (reference/article-on-linux.md, Example 1):
# - Both commands are accepted (exit status 0), but the template is "mode tunnel" with no outer
#   addresses (listed as "tmpl src :: dst ::"). A tunnel needs an outer destination, so resolving
#   the template fails before any state is looked up: the route lookup for the packet returns
#   EHOSTUNREACH and ping prints "ping: connect: No route to host" (ping's connect() of its UDP
#   probe socket is covered by the dst 4321::/64 policy too). XfrmOutPolError rises once per ping.
# - Nothing at all goes on the wire, not even a neighbour solicitation, and the transport-mode
#   state is never used. Adding the state on [4321::2] changes nothing.
# See ah1-as-intended.sh for the fix (template "mode transport").
#
# Hosts: ah1w-a [4321::1] and ah1w-b [4321::2] on one link (namespaces; run on a fresh machine).
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node ah1w-a ah1w-b
link ah1w-a eth0 ah1w-b eth0
addr ah1w-a eth0 4321::1/64
addr ah1w-b eth0 4321::2/64
capture_start ah1w ah1w-b eth0        # the article runs tcpdump on [4321::2]

step "on [4321::1] (article, as printed): both commands are accepted"
on ah1w-a ip xfrm policy add dst 4321::/64 dir out tmpl proto ah mode tunnel
on ah1w-a ip xfrm state add dst 4321::2 proto ah spi 4321 auth "hmac(sha1)" 1234 mode transport

step "ping from [4321::1]: the tunnel template has no outer address, the send fails"
expect_ping_error ah1w-a 4321::2 "connect: No route to host"
expect_xfrm_nonzero ah1w-a "XfrmOutPolError=1"

step "on [4321::2] (article): the state for the receiver"
on ah1w-b ip xfrm state add dst 4321::2 proto ah spi 4321 auth "hmac(sha1)" 1234 mode transport

step "ping again: same failure, nothing sent"
expect_ping_error ah1w-a 4321::2 "connect: No route to host"
capture_stop
show_capture ah1w

step "what the kernel counted"
expect_xfrm_nonzero ah1w-a "XfrmOutPolError=2"
expect_xfrm_nonzero ah1w-b ""
expect_sa_packets ah1w-a 4321::2 4321 0 0
expect_sa_packets ah1w-b 4321::2 4321 0 0
expect_capture ah1w 'AH' 0
expect_capture ah1w 'echo request' 0
expect_capture ah1w 'neighbor solicitation' 0
finish
