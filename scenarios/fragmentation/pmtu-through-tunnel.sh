#!/bin/bash
# pmtu-through-tunnel.sh: large pings through an ESP tunnel, and who fragments what.
#
# pm-h1 sends to pm-h2 through an ESP tunnel that ends on the router pm-r (cbc(aes) + hmac(sha1)).
# The tunnel costs 78 bytes, so only 1422 bytes of a 1500-byte link are left for the inner packet
# (xfrm_state_mtu: 1500 - 40 outer - 8 ESP - 16 IV - 12 ICV, rounded down to the AES block, - 2).
# - pm-h1 knows that: it cuts its own 2000-byte echo to 1422 before encrypting, and each fragment
#   travels as its own ESP packet; the router decrypts them and forwards the fragments; pm-h2
#   reassembles.
# - pm-h2 does not: it cuts its 2008-byte reply for a 1500-byte link. The router may not fragment
#   what it forwards, so the 1496-byte fragment is refused with ICMPv6 Packet Too Big, mtu 1422
#   (Ip6FragFails on the router), and the first ping gets no answer.
# - pm-h2 keeps that MTU for pm-h1 for 600 s (`ip route get` shows it), so the next reply is cut
#   to 1422 and gets through.
# As Linux 6.1 does it (test/conformance/cases/frag_esp.sh recorded the same behaviour).
#
# Hosts: pm-h1 [4321::1] -- pm-r [4321::ff | 4322::ff] -- pm-h2 [4322::2]
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567

node pm-h1 pm-r pm-h2
link pm-h1 eth0 pm-r eth0
link pm-r eth1 pm-h2 eth0
addr pm-h1 eth0 4321::1/64; addr pm-r eth0 4321::ff/64; addr pm-r eth1 4322::ff/64; addr pm-h2 eth0 4322::2/64
forwarding pm-r
route pm-h1 default via 4321::ff; route pm-h2 default via 4322::ff

step "an ESP tunnel from pm-h1 to the router for traffic between 4321::1 and 4322::2"
for n in pm-h1 pm-r; do
  on $n ip xfrm state add src 4321::1 dst 4321::ff proto esp spi 0x300 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode tunnel
  on $n ip xfrm state add src 4321::ff dst 4321::1 proto esp spi 0x400 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode tunnel
done
on pm-h1 ip xfrm policy add src 4321::1 dst 4322::2 dir out tmpl src 4321::1 dst 4321::ff proto esp mode tunnel
on pm-h1 ip xfrm policy add src 4322::2 dst 4321::1 dir in tmpl src 4321::ff dst 4321::1 proto esp mode tunnel
on pm-r ip xfrm policy add src 4322::2 dst 4321::1 dir out tmpl src 4321::ff dst 4321::1 proto esp mode tunnel
on pm-r ip xfrm policy add src 4321::1 dst 4322::2 dir fwd tmpl src 4321::1 dst 4321::ff proto esp mode tunnel

capture_start pm-tunnel pm-h1 eth0
capture_start pm-inside pm-r eth1

step "1000 data bytes fit the tunnel both ways"
expect_ping_ok pm-h1 4322::2 -s 1000

step "2000 data bytes: the reply's first fragment is too big for the tunnel"
expect_ping_fail pm-h1 4322::2 -s 2000
expect_snmp6 pm-r Ip6FragFails 1
expect_snmp6 pm-r Icmp6OutPktTooBigs 1
expect_snmp6 pm-h2 Icmp6InPktTooBigs 1
on pm-h2 ip -6 route get 4321::1

step "again: pm-h2 now cuts its reply to 1422, and the ping is answered"
expect_ping_ok pm-h1 4322::2 -s 2000
# pm-h1 cut each of its two echoes in two (4 fragments); pm-h2 cut two replies (the first for
# 1500, the second for 1422): 4 more.
expect_snmp6 pm-h1 Ip6FragCreates 4
expect_snmp6 pm-h2 Ip6FragCreates 4
expect_snmp6 pm-h2 Ip6ReasmOKs 2
capture_stop
# Between pm-h1 and the router only ESP, each packet within 1500 bytes: "length 1460" is a full one.
expect_capture pm-tunnel 'ESP\(spi=0x00000300,seq=0x[0-9a-f]+\), length 1460' 2
# Behind the router, pm-h1's fragments as pm-h1 cut them: 1368 bytes of data each but the last.
expect_capture pm-inside '4321::1 > 4322::2: frag \([0-9]+\|1368\)' 2
show_capture pm-inside
finish
