#!/bin/bash
# mesh-typos-fixed.sh: the article's transport-mode ESP mesh with ONLY its typos fixed ("scr" ->
# "src", "sip" -> "spi"): the in policy now exists, and it breaks the mesh.
#
# Article: "each node needs a policy to require encryption both to and from the private network"
#     ip xfrm policy add src 4321::/64 dir in tmpl proto esp          (printed with "scr")
#
# What Linux does (reference/article-on-linux.md, Example 2):
# - "src 4321::/64 dir in tmpl proto esp" (level required by default) matches every packet from
#   4321::/64, including the plaintext Neighbour Solicitations the nodes send to find each other.
#   They are dropped (XfrmInTmplMismatch, one per NS; a failed resolution sends 3), so neighbour
#   discovery never completes and every ping fails. Nothing is reported to ping.
# - Only the first "src 4321::N ... spi 4321" state is accepted; the others fail with
#   "RTNETLINK answers: File exists" (exit status 2): states are identified by (dst, spi, proto)
#   and every src-only state has dst ::.
# - The sender's SAs count anyway: the echo request is encrypted before it waits for the neighbour
#   (1 packet on "dst 4321::2"), and when resolution fails, the ICMPv6 address-unreachable error
#   the host sends itself (src = dst = itself, 152 bytes) matches the out policy too: it is
#   encrypted and decrypted by the host's own "dst self" state over lo, 2 uses per failed ping
#   (probe_nd_failure_loopback).
# mesh-as-intended.sh adds the fix: let NS and NA in without ESP, before the ESP in policy.
#
# Hosts (namespaces; run on a fresh machine): meshf-n1..meshf-n3 [4321::1..3] run the article's
# commands; meshf-n4 [4321::4] is an outsider without ipsec; all on one bridge in meshf-sw.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node meshf-sw meshf-n1 meshf-n2 meshf-n3 meshf-n4
ip -n meshf-sw link add br0 type bridge mcast_snooping 0
ip -n meshf-sw link set br0 up
for i in 1 2 3 4; do
  link meshf-n$i eth0 meshf-sw p$i
  ip -n meshf-sw link set p$i master br0
  addr meshf-n$i eth0 4321::$i/64
done

for i in 1 2 3; do
  step "on node [4321::$i] (article; scr -> src, sip -> spi)"
  on meshf-n$i ip xfrm policy add dst 4321::0/64 dir out tmpl proto esp
  on meshf-n$i ip xfrm policy add src 4321::/64 dir in tmpl proto esp
  for j in 1 2 3; do
    on meshf-n$i ip xfrm state add dst 4321::$j proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
    if [ $j = 1 ]; then
      on meshf-n$i ip xfrm state add src 4321::$j proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
    else
      expect_cmd_fail meshf-n$i 2 "RTNETLINK answers: File exists" \
        ip xfrm state add src 4321::$j proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
    fi
  done
done

step "mesh pings: all fail, neighbour discovery is blocked by the in policy"
expect_ping_fail meshf-n1 4321::2
expect_ping_fail meshf-n1 4321::3
expect_ping_fail meshf-n2 4321::3
expect_ping_fail meshf-n3 4321::1
sleep 3    # let the last neighbour solicitations (3, one second apart) go out
on meshf-n1 ip -6 neigh show dev eth0

step "what the kernel counted"
# Each target dropped 3 NS per node that tried to reach it: [4321::2] from 1, [4321::3] from 1
# and 2, [4321::1] from 3.
expect_xfrm_nonzero meshf-n1 "XfrmInTmplMismatch=3"
expect_xfrm_nonzero meshf-n2 "XfrmInTmplMismatch=3"
expect_xfrm_nonzero meshf-n3 "XfrmInTmplMismatch=6"
# [4321::1] encrypted its echo requests to 2 and 3 (64 bytes each) and, for each of its two
# failed resolutions, encrypted and decrypted its own address-unreachable error (2 x 2 x 152).
expect_sa_packets meshf-n1 4321::2 4321 1 64
expect_sa_packets meshf-n1 4321::3 4321 1 64
expect_sa_packets meshf-n1 4321::1 4321 4 608
expect_sa_packets meshf-n1 :: 4321 0 0

step "the outsider [4321::4] sends a plaintext echo to [4321::1]: dropped too"
ip -n meshf-n4 neigh replace 4321::1 lladdr "$(ip -n meshf-n1 -br link show eth0 | awk '{print $3}')" dev eth0 nud permanent
expect_ping_fail meshf-n4 4321::1
expect_xfrm_nonzero meshf-n1 "XfrmInTmplMismatch=4"
finish
