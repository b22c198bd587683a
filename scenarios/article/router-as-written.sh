#!/bin/bash
# router-as-written.sh: the article's final example (remote host -> AH tunnel -> router 4321::1 ->
# internal 4444::/60, output-mark 0x1 and a FORWARD rule for NEW marked packets) with its commands
# exactly as printed, and what Linux 6.1 does with them.
#
# Article: "And with that, any machine known by inner IPv6 address can be reached".
#
# What Linux does instead (reference/article-on-linux.md, Example 4):
# - Router: "ip xfrm state add add dst 4321::1 ..." fails: 'Error: argument "XFRM-PROTO" is
#   required', exit status 255: iproute2 does not understand the doubled "add", and the state is
#   not added. No state: the router could not decapsulate anything.
# - Remote: "ip xfrm policy dst 4444::/60 ..." (no "add") fails: 'Command "dst" is unknown, try
#   "ip xfrm policy help".', exit status 255. No out policy, so the remote's state is never used
#   and the remote sends plaintext.
# - The other commands are accepted. The remote's plaintext NEW ping has no mark, so the FORWARD
#   chain's DROP policy takes it, like the one from a host without ipsec. Connections started from
#   inside still work (the fwd policy is "level use", and the replies are ESTABLISHED).
# No xfrm counter moves: nothing is ever encoded or decoded.
# See router-as-intended.sh for the fixes.
#
# Hosts (namespaces; run on a fresh machine):
#   rtrw-remote [4321::2] -- eth0 [4321::1] rtrw-router eth1 [4444::1] -- rtrw-internal [4444::2]
#   rtrw-other  [4323::2] -- eth2 [4323::1] rtrw-router   (a second remote host without ipsec)
# Harness, not article: default routes via the router, and the router's baseline firewall.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/../lib/expect.sh"

node rtrw-remote rtrw-router rtrw-internal rtrw-other
link rtrw-remote eth0 rtrw-router eth0
link rtrw-router eth1 rtrw-internal eth0
link rtrw-other eth0 rtrw-router eth2
addr rtrw-remote eth0 4321::2/64
addr rtrw-router eth0 4321::1/64
addr rtrw-router eth1 4444::1/64
addr rtrw-internal eth0 4444::2/64
addr rtrw-other eth0 4323::2/64
addr rtrw-router eth2 4323::1/64
forwarding rtrw-router
route rtrw-remote default via 4321::1
route rtrw-internal default via 4444::1
route rtrw-other default via 4323::1
capture_start rtrw-remote-router rtrw-remote eth0   # the external wire, seen by the remote

step "the router's baseline firewall (harness): NEW inbound blocked"
on rtrw-router ip6tables-legacy -P FORWARD DROP
on rtrw-router ip6tables-legacy -A FORWARD -i eth1 -j ACCEPT
on rtrw-router ip6tables-legacy -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT

step "on the router [4321::1] (article, as printed)"
expect_cmd_fail rtrw-router 255 'Error: argument "XFRM-PROTO" is required' \
  ip xfrm state add add dst 4321::1 proto ah spi 4321 auth "hmac(sha1)" 1234 mode tunnel sel dst 4444::/60 output-mark 0x1
on rtrw-router ip xfrm policy add dst 4444::/60 dir fwd tmpl proto ah spi 4321 mode tunnel level use
on rtrw-router ip6tables-legacy -A FORWARD -m conntrack --ctstate NEW -m mark --mark 0x1/0x1 -j ACCEPT

step "on the remote host [4321::2] (article, as printed)"
expect_cmd_fail rtrw-remote 255 'Command "dst" is unknown, try "ip xfrm policy help".' \
  ip xfrm policy dst 4444::/60 dir out tmpl proto ah dst 4321::1 mode tunnel
on rtrw-remote ip xfrm state add dst 4321::1 spi 4321 proto ah auth "hmac(sha1)" 1234 mode tunnel
expect_sa_count rtrw-router 0
expect_policy_count rtrw-remote 0

step "T1: remote -> internal: sent in plaintext, NEW without mark: dropped"
expect_ping_fail rtrw-remote 4444::2
step "T2: other (no ipsec) -> internal: dropped"
expect_ping_fail rtrw-other 4444::2
step "T3: internal -> other: works"
expect_ping_ok rtrw-internal 4323::2
step "T4: internal -> remote: works, the reply is plain"
expect_ping_ok rtrw-internal 4321::2
capture_stop
show_capture rtrw-remote-router

step "what the kernel counted"
expect_xfrm_nonzero rtrw-router ""
expect_xfrm_nonzero rtrw-remote ""
expect_sa_packets rtrw-remote 4321::1 4321 0 0
# filter FORWARD: rule 1 (-i eth1) = T3's and T4's requests; rule 2 (ESTABLISHED) = their
# replies; rule 3 (NEW + mark) = nothing; the DROP policy = T1's and T2's requests.
expect_fw_packets rtrw-router filter FORWARD 1 2
expect_fw_packets rtrw-router filter FORWARD 2 2
expect_fw_packets rtrw-router filter FORWARD 3 0
expect_fw_policy_packets rtrw-router FORWARD 2
expect_capture rtrw-remote-router 'AH' 0
expect_capture rtrw-remote-router '4321::2 > 4444::2: ICMP6, echo request' 1
finish
