#!/bin/bash
# mesh-as-intended.sh: the article's "Simple Transport Mode Encryption" mesh (one ESP key for all
# nodes of 4321::/64, transport mode) with the smallest fixes that make it work on Linux 6.1.
#
# Article: "each node needs a policy to require encryption both to and from the private network"
#     ip xfrm policy add dst 4321::0/64 dir out tmpl proto esp
#     ip xfrm policy add scr 4321::/64 dir in tmpl proto esp
#   "And then for each node on the star and encrypt and a decrypt policy"
#     ip xfrm state add dst 4321::N proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
#     ip xfrm state add src 4321::N proto esp sip 4321 enc "cbc(aes)" 1234567890123456 mode transport
#
# Where Linux differs (reference/article-on-linux.md, Example 2):
# - "scr" and "sip" are typos that do not parse (mesh-as-written.sh). Fix: "src" and "spi".
# - Fixing only the typos breaks the mesh (mesh-typos-fixed.sh): "src 4321::/64 dir in tmpl proto
#   esp" (level required by default) also matches the plaintext Neighbour Solicitations from the
#   other nodes, so neighbour discovery never completes. The smallest further fix: two policies
#   that let NS (type 135) and NA (type 136) in without ESP, added BEFORE the ESP in policy: with
#   equal priority (0, the default) the OLDER policy wins (probe_policy_order).
# - There is no "decrypt state" per source: decryption uses the state whose dst is the receiver
#   itself (dst 4321::N on node N). A state is identified by (dst, spi, proto), src-only states all
#   have dst ::, so only the first "src 4321::N ... spi 4321" is accepted and the others fail with
#   "RTNETLINK answers: File exists" (exit status 2). The one that is accepted is never used.
# - With these fixes the mesh works, every unicast packet between members is ESP (echoes, and the
#   unicast NAs), and plaintext from a host outside the mesh is dropped (XfrmInTmplMismatch).
#
# Hosts (namespaces; run on a fresh machine): mesh-n1..mesh-n3 [4321::1..3] run the article's
# commands; mesh-n4 [4321::4] is an outsider without ipsec; all on one bridge in mesh-sw.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node mesh-sw mesh-n1 mesh-n2 mesh-n3 mesh-n4
ip -n mesh-sw link add br0 type bridge mcast_snooping 0
ip -n mesh-sw link set br0 up
for i in 1 2 3 4; do
  link mesh-n$i eth0 mesh-sw p$i
  ip -n mesh-sw link set p$i master br0
  addr mesh-n$i eth0 4321::$i/64
done
capture_start mesh-n1 mesh-n1 eth0

for i in 1 2 3; do
  step "on node [4321::$i] (article; scr -> src, sip -> spi, plus the ND exemption first)"
  on mesh-n$i ip xfrm policy add dst 4321::0/64 dir out tmpl proto esp
  on mesh-n$i ip xfrm policy add src 4321::/64 proto ipv6-icmp type 135 dir in   # ADDED: plaintext NS
  on mesh-n$i ip xfrm policy add src 4321::/64 proto ipv6-icmp type 136 dir in   # ADDED: plaintext NA
  on mesh-n$i ip xfrm policy add src 4321::/64 dir in tmpl proto esp
  for j in 1 2 3; do
    on mesh-n$i ip xfrm state add dst 4321::$j proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
    if [ $j = 1 ]; then
      on mesh-n$i ip xfrm state add src 4321::$j proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
    else
      expect_cmd_fail mesh-n$i 2 "RTNETLINK answers: File exists" \
        ip xfrm state add src 4321::$j proto esp spi 4321 enc "cbc(aes)" 1234567890123456 mode transport
    fi
  done
done

step "mesh pings: all work, encrypted"
expect_ping_ok mesh-n1 4321::2
expect_ping_ok mesh-n1 4321::3
expect_ping_ok mesh-n2 4321::3
expect_ping_ok mesh-n3 4321::1
for i in 1 2 3 4; do expect_xfrm_nonzero mesh-n$i ""; done

step "the outsider [4321::4] sends a plaintext echo to [4321::1]: dropped"
# Harness: a static neighbour entry for 4321::1, so that only the echo itself is tested ([4321::1]
# could not answer the outsider's NS anyway: its NA to 4321::4 matches the ESP out policy and there
# is no state for dst 4321::4).
ip -n mesh-n4 neigh replace 4321::1 lladdr "$(ip -n mesh-n1 -br link show eth0 | awk '{print $3}')" dev eth0 nud permanent
expect_ping_fail mesh-n4 4321::1
capture_stop
show_capture mesh-n1

step "what the kernel counted"
expect_xfrm_nonzero mesh-n1 "XfrmInTmplMismatch=1"   # the outsider's echo request
expect_snmp6 mesh-n1 Icmp6InEchos 1                  # only [4321::3]'s echo reached ICMPv6
for i in 1 2 3; do
  expect_sa_count mesh-n$i 4                         # 3 dst states + the first src-only state
  expect_sa_packets mesh-n$i :: 4321 0 0             # the src-only state is never used
done
# On [4321::1]'s port: its 6 echoes (to/from 2, to/from 3, from/to 3) are ESP (payload
# 8 + 16 + 80 = 104); no member echo is plain; the outsider's request is plain and unanswered.
expect_capture mesh-n1 'ESP\(spi=0x000010e1,seq=0x[0-9a-f]+\), length 104' 6
expect_capture mesh-n1 '4321::[123] > 4321::[123]: ICMP6, echo' 0
expect_capture mesh-n1 '4321::4 > 4321::1: ICMP6, echo request' 1
expect_capture mesh-n1 '4321::1 > 4321::4' 0
finish
