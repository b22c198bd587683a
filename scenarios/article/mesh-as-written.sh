#!/bin/bash
# mesh-as-written.sh: the article's "Simple Transport Mode Encryption" mesh (one ESP key for all
# nodes of 4321::/64, transport mode) with its commands exactly as printed.
#
# Article: "each node needs a policy to require encryption both to and from the private network"
#     ip xfrm policy add dst 4321::0/64 dir out tmpl proto esp
#     ip xfrm policy add scr 4321::/64 dir in tmpl proto esp
#   "And then for each node on the star and encrypt and a decrypt policy"
#     ip xfrm state add dst 4321::N proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
#     ip xfrm state add src 4321::N proto esp sip 4321 enc "cbc(aes)" 1234567890123456 mode transport
#
# What Linux does (reference/article-on-linux.md, Example 2):
# - "scr" does not parse: 'Error: duplicate "unknown": "scr" is the second value.' (exit status
#   255: iproute2 does not know the word and reports it this way). The in policy is not added.
# - "sip" does not parse: 'Error: argument "sip" is wrong: unknown' (255). No src-only state.
# - Yet the mesh pings work and are encrypted: the "dst 4321::N" states do all the work, each one
#   encrypts towards N and, on node N itself, decrypts (a state is found by dst, spi and proto;
#   its src is never looked at on input). Every unicast packet between members is ESP, neighbour
#   advertisements included; the NS to a multicast address stays plain.
# - But the protection is only half there: with no in policy, plaintext from outside the mesh is
#   accepted. The outsider's echo request reaches [4321::1]'s ICMPv6 (Icmp6InEchos counts it);
#   the reply matches the out policy but there is no state for dst 4321::4, so it is dropped
#   silently (XfrmOutNoStates=1) and the outsider's ping fails anyway.
#
# Hosts (namespaces; run on a fresh machine): meshw-n1..meshw-n3 [4321::1..3] run the article's
# commands; meshw-n4 [4321::4] is an outsider without ipsec; all on one bridge in meshw-sw.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node meshw-sw meshw-n1 meshw-n2 meshw-n3 meshw-n4
ip -n meshw-sw link add br0 type bridge mcast_snooping 0
ip -n meshw-sw link set br0 up
for i in 1 2 3 4; do
  link meshw-n$i eth0 meshw-sw p$i
  ip -n meshw-sw link set p$i master br0
  addr meshw-n$i eth0 4321::$i/64
done
capture_start meshw-n1 meshw-n1 eth0

for i in 1 2 3; do
  step "on node [4321::$i] (article, as printed)"
  on meshw-n$i ip xfrm policy add dst 4321::0/64 dir out tmpl proto esp
  expect_cmd_fail meshw-n$i 255 'Error: duplicate "unknown": "scr" is the second value.' \
    ip xfrm policy add scr 4321::/64 dir in tmpl proto esp
  for j in 1 2 3; do
    on meshw-n$i ip xfrm state add dst 4321::$j proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
    expect_cmd_fail meshw-n$i 255 'Error: argument "sip" is wrong: unknown' \
      ip xfrm state add src 4321::$j proto esp sip 4321 enc "cbc(aes)" 1234567890123456 mode transport
  done
  expect_policy_count meshw-n$i 1
  expect_sa_count meshw-n$i 3
done

step "mesh pings: all work, encrypted"
expect_ping_ok meshw-n1 4321::2
expect_ping_ok meshw-n1 4321::3
expect_ping_ok meshw-n2 4321::3
expect_ping_ok meshw-n3 4321::1
for i in 1 2 3 4; do expect_xfrm_nonzero meshw-n$i ""; done

step "the outsider [4321::4] sends a plaintext echo to [4321::1]: accepted, but the reply is dropped"
# Harness: a static neighbour entry for 4321::1, so that only the echo itself is tested.
ip -n meshw-n4 neigh replace 4321::1 lladdr "$(ip -n meshw-n1 -br link show eth0 | awk '{print $3}')" dev eth0 nud permanent
expect_ping_fail meshw-n4 4321::1
capture_stop
show_capture meshw-n1

step "what the kernel counted"
expect_snmp6 meshw-n1 Icmp6InEchos 2          # from [4321::3] and from the outsider
expect_snmp6 meshw-n1 Icmp6OutEchoReplies 1   # only to [4321::3]: the reply to 4321::4 failed its xfrm lookup first
expect_xfrm_nonzero meshw-n1 "XfrmOutNoStates=1"
for i in 2 3 4; do expect_xfrm_nonzero meshw-n$i ""; done
# On [4321::1]'s port: its 6 echoes are ESP (payload 104), none plain; the outsider's request is
# plain and no reply goes back to it.
expect_capture meshw-n1 'ESP\(spi=0x000010e1,seq=0x[0-9a-f]+\), length 104' 6
expect_capture meshw-n1 '4321::[123] > 4321::[123]: ICMP6, echo' 0
expect_capture meshw-n1 '4321::4 > 4321::1: ICMP6, echo request' 1
expect_capture meshw-n1 '4321::1 > 4321::4' 0
finish
