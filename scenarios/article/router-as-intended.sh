#!/bin/bash
# router-as-intended.sh: the article's final example, "correctly keyed AH Inbound Packet
# Acceptance": a remote host reaches a host behind a router whose firewall blocks inbound NEW
# connections, by sending its packets through an AH tunnel to the router; the decapsulation
# marks them (output-mark 0x1) and one FORWARD rule accepts NEW packets with that mark.
# Smallest fixes applied.
#
# Article, on the router [4321::1] with the internal network [4444::]/60:
#     ip xfrm state add add dst 4321::1 proto ah spi 4321 auth "hmac(sha1)" 1234 mode tunnel sel dst 4444::/60 output-mark 0x1
#     ip xfrm policy add dst 4444::/60 dir fwd tmpl proto ah spi 4321 mode tunnel level use
#     ip6tables -A FORWARD -m conntrack --ctstate NEW -m mark --mark 0x1/0x1 -j ACCEPT
#   "Which should be placed directly after the RELATED,ESTABLISHED state check." On the remote:
#     ip xfrm policy dst 4444::/60 dir out tmpl proto ah dst 4321::1 mode tunnel
#     ip xfrm state add dst 4321::1 spi 4321 proto ah auth "hmac(sha1)" 1234 mode tunnel
#   "And with that, any machine known by inner IPv6 address can be reached".
#
# Where Linux differs (reference/article-on-linux.md, Example 4):
# - Two typos that do not parse (see router-as-written.sh). Fixes: "state add add" -> "state add"
#   and "ip xfrm policy dst" -> "ip xfrm policy add dst".
# - With them it works: the remote's NEW ping passes through the tunnel, a NEW ping from a host
#   that does not use the tunnel is dropped, and connections started inside work both ways.
# - Surprise: the remote's AH packets leave with outer source "::", because its state has no src
#   and the outer source comes from the state, not the template. The router accepts them anyway:
#   the inbound SA lookup uses only (outer dst, spi, proto).
# - output-mark marks the decapsulated inner packet (visible from PREROUTING on), not the outer
#   AH packet; the inner flow gets its own conntrack entry and starts NEW.
# - "level use" is what lets plain replies (connections from inside) through the fwd policy; with
#   the default "level required" they are dropped (XfrmInTmplMismatch, probe_router_variants V2).
# - The article says the mark "dispenses with the need for a xfrm dir fwd policy": false for
#   tunnel mode, decapsulated tunnel packets with no fwd policy are dropped (XfrmInNoPols, V1).
# - "for this policy to be reached at all, the FORWARD table must allow the packets": the order is
#   the reverse, the xfrm fwd check runs before the ip6tables FORWARD chain (probe_block B3).
# - The remote's replies to connections from inside come back AH-tunnelled too (its out policy
#   covers 4444::/60); they are decapsulated, marked and accepted as ESTABLISHED.
#
# Hosts (namespaces; run on a fresh machine):
#   rtr-remote [4321::2] -- eth0 [4321::1] rtr-router eth1 [4444::1] -- rtr-internal [4444::2]
#   rtr-other  [4323::2] -- eth2 [4323::1] rtr-router   (a second remote host without ipsec)
# Harness, not article: default routes via the router, and the router's baseline firewall (the
# article's "usual" one: NEW inbound blocked, RELATED,ESTABLISHED allowed).
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node rtr-remote rtr-router rtr-internal rtr-other
link rtr-remote eth0 rtr-router eth0
link rtr-router eth1 rtr-internal eth0
link rtr-other eth0 rtr-router eth2
addr rtr-remote eth0 4321::2/64
addr rtr-router eth0 4321::1/64
addr rtr-router eth1 4444::1/64
addr rtr-internal eth0 4444::2/64
addr rtr-other eth0 4323::2/64
addr rtr-router eth2 4323::1/64
forwarding rtr-router
route rtr-remote default via 4321::1
route rtr-internal default via 4444::1
route rtr-other default via 4323::1
capture_start rtr-remote-router rtr-remote eth0     # the external wire, seen by the remote
capture_start rtr-router-internal rtr-internal eth0 # the internal wire, seen by the internal host

step "the router's baseline firewall (harness): NEW inbound blocked"
# ip6tables-legacy: the same rules with the legacy backend (use plain ip6tables where its nft
# backend works).
on rtr-router ip6tables-legacy -P FORWARD DROP
on rtr-router ip6tables-legacy -A FORWARD -i eth1 -j ACCEPT
on rtr-router ip6tables-legacy -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# Instrumentation only: a rule without target that counts marked packets entering the router.
on rtr-router ip6tables-legacy -t mangle -A PREROUTING -m mark --mark 0x1/0x1

step "on the router [4321::1] (article; 'state add add' -> 'state add')"
on rtr-router ip xfrm state add dst 4321::1 proto ah spi 4321 auth "hmac(sha1)" 1234 mode tunnel sel dst 4444::/60 output-mark 0x1
on rtr-router ip xfrm policy add dst 4444::/60 dir fwd tmpl proto ah spi 4321 mode tunnel level use
on rtr-router ip6tables-legacy -A FORWARD -m conntrack --ctstate NEW -m mark --mark 0x1/0x1 -j ACCEPT

step "on the remote host [4321::2] (article; 'ip xfrm policy dst' -> 'ip xfrm policy add dst')"
on rtr-remote ip xfrm policy add dst 4444::/60 dir out tmpl proto ah dst 4321::1 mode tunnel
on rtr-remote ip xfrm state add dst 4321::1 spi 4321 proto ah auth "hmac(sha1)" 1234 mode tunnel

step "T1: remote -> internal, a NEW connection through the AH tunnel: accepted"
expect_ping_ok rtr-remote 4444::2
step "T2: other (no ipsec) -> internal, a NEW connection in plaintext: dropped"
expect_ping_fail rtr-other 4444::2
step "T3: internal -> other: the plain reply passes the fwd policy (level use) and ESTABLISHED"
expect_ping_ok rtr-internal 4323::2
step "T4: internal -> remote: the reply comes back through the AH tunnel, ESTABLISHED"
expect_ping_ok rtr-internal 4321::2
capture_stop
show_capture rtr-remote-router
show_capture rtr-router-internal

step "what the kernel counted"
# Two AH packets were decapsulated on the router: T1's request and T4's reply. Tunnel-mode bytes
# are the inner IPv6 packet, 40 + 64 = 104 each.
expect_sa_packets rtr-router 4321::1 4321 2 208
expect_sa_packets rtr-remote 4321::1 4321 2 208
expect_xfrm_nonzero rtr-router ""
expect_xfrm_nonzero rtr-remote ""
# filter FORWARD: rule 1 (-i eth1) = T1's reply + T3's and T4's requests; rule 2 (ESTABLISHED) =
# T3's and T4's replies; rule 3 (NEW + mark) = T1's request; the DROP policy = T2's request.
expect_fw_packets rtr-router filter FORWARD 1 3
expect_fw_packets rtr-router filter FORWARD 2 2
expect_fw_packets rtr-router filter FORWARD 3 1
expect_fw_policy_packets rtr-router FORWARD 1
# The mark is on the 2 decapsulated inner packets only, not on the outer AH packets.
expect_fw_packets rtr-router mangle PREROUTING 1 2
# On the external wire the AH packets have the outer source :: (the remote's state has no src).
expect_capture rtr-remote-router ':: > 4321::1: AH\(spi=0x000010e1' 2
expect_capture rtr-remote-router '4444::2 > 4321::2: ICMP6, echo reply' 1
# Inside, the forwarded inner echo request is plain.
expect_capture rtr-router-internal '4321::2 > 4444::2: ICMP6, echo request' 1
expect_capture rtr-router-internal '4323::2 > 4444::2: ICMP6, echo request' 0   # T2 never got in
finish
