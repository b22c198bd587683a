# MLDv2 reports: what a host sends when its groups change (Linux 6.1 net/ipv6/mcast.c). Each step is
# followed by a wait longer than the reports take (the first after 2 jiffies, the second after a
# random delay below 1 s), and has its own capture, taken on the peer, which has IPv6 disabled and
# so sends nothing itself. Compared with MLD kept (CASE_RULES in tools/conformance/compare.mjs).
. ./lib.sh
cnt() { x $1 awk '$2 != 0 && $1 ~ /Mcast|MLD|OutMsgs|OutRequests|Discards|InReceives/ && $1 !~ /Octets/' /proc/net/snmp6; }
step() { note "$1"; cap "mld_$2" b eth0; }
node a b
q b sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip link add eth0 netns a type veth peer name eth0 netns b
ip -n b link set eth0 up

step "M1: the link comes up: the link-local address's solicited-node group, twice as a join (mld_ifc_work) and twice at DAD completion (ipv6_mc_dad_complete)" up
x a ip link set eth0 up; sleep 2; capstop
step "M2: an address is added: every group is reported again (ipv6_find_idev -> ipv6_mc_up), the new one with them" add
x a ip addr add 4321::1/64 dev eth0 nodad; sleep 2; capstop
step "M3: an address whose group is already joined: still every group again" same
x a ip addr add 4322::1/64 dev eth0 nodad; sleep 2; capstop
step "M4: deleting that address leaves the group to the other address: nothing; deleting a last user: TO_IN twice" del
x a ip addr del 4322::1/64 dev eth0; sleep 2
x a ip addr add 4321::1:1/64 dev eth0 nodad; sleep 2
x a ip addr del 4321::1:1/64 dev eth0; sleep 2; capstop
step "M5: forwarding on joins ff02::2, ff05::2 and the subnet-router anycast group; off leaves them" fwd
x a sysctl -qw net.ipv6.conf.all.forwarding=1; sleep 2
x a sysctl -qw net.ipv6.conf.all.forwarding=0; sleep 2; capstop
step "M6: the link goes down and up: the left groups as TO_IN, the rejoined ones as TO_EX" downup
x a ip link set eth0 down; sleep 1
x a ip link set eth0 up; sleep 2; capstop
cnt a; cnt b

step "M7: reports pass OUTPUT: an ip6tables rule counts them, a DROP rule discards them (Ip6OutDiscards)" nf
x a ip6tables -A OUTPUT -p ipv6-icmp --icmpv6-type 143
x a ip addr add 4323::1/64 dev eth0 nodad; sleep 2
x a ip6tables -I OUTPUT -p ipv6-icmp --icmpv6-type 143 -j DROP
x a ip addr add 4324::1/64 dev eth0 nodad; sleep 2; capstop
x a ip6tables -L OUTPUT -v -n -x
cnt a; x a ip6tables -F OUTPUT

step "M8: reports are subject to xfrm: a ::/0 block policy refuses them (XfrmOutPolBlock), a template without SA finds no state" xfrm
x a ip xfrm policy add src ::/0 dst ::/0 dir out action block
x a ip addr add 4325::1/64 dev eth0 nodad; sleep 2
x a ip xfrm policy flush
x a ip xfrm policy add src ::/0 dst ff02::16/128 dir out tmpl proto esp mode transport
x a ip addr add 4326::1/64 dev eth0 nodad; sleep 2; capstop
cnt a; xstat M8 a
