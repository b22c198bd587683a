# ping-pmtudisc-do: what does `ping -M do` print past the path MTU on 6.1 (IPV6_PMTUDISC_DO: the
# kernel may not fragment), on a 1500-byte link and after a router's Packet Too Big?
# Run: ../shared/oracle/uml-run test/kernel-cases/ping-pmtudisc-do.sh OUTDIR
set -u
for n in h1 r h2; do ip netns add $n; ip -n $n link set lo up
  ip netns exec $n sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
    net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0; done
ip link add eth0 netns h1 type veth peer name eth0 netns r
ip link add eth1 netns r type veth peer name eth0 netns h2
ip -n h1 link set eth0 up; ip -n r link set eth0 up; ip -n r link set eth1 up; ip -n h2 link set eth0 up
ip -n r link set eth1 mtu 1280; ip -n h2 link set eth0 mtu 1280
ip -n h1 addr add 1::1/64 dev eth0 nodad; ip -n r addr add 1::2/64 dev eth0 nodad
ip -n r addr add 2::2/64 dev eth1 nodad; ip -n h2 addr add 2::1/64 dev eth0 nodad
ip -n h1 route add default via 1::2; ip -n h2 route add default via 2::2
ip netns exec r sysctl -qw net.ipv6.conf.all.forwarding=1
snap() { ip netns exec h1 cat /proc/net/snmp6 | awk '$1 ~ /^Ip6(Frag|OutRequests|OutDiscards)|^Icmp6(OutEchos|OutMsgs|InPktTooBigs)/ && $2 != 0 {printf "%s=%s ", $1, $2}'; }
echo "== ping -c 2 -M do -s 2000 1::2 (link mtu 1500)"
ip netns exec h1 ping -c 2 -i 0.3 -W 1 -M do -s 2000 1::2; echo "rc=$?"; echo "h1: $(snap)"
echo "== ping -c 2 -M do -s 1400 2::1 (a router on the way, next link mtu 1280)"
ip netns exec h1 ping -c 2 -i 0.3 -W 1 -M do -s 1400 2::1; echo "rc=$?"; echo "h1: $(snap)"
echo "== ping -c 1 -M dont -s 1400 2::1 (the learned mtu 1280 is still used)"
ip netns exec h1 ping -c 1 -W 1 -M dont -s 1400 2::1; echo "rc=$?"; echo "h1: $(snap)"
