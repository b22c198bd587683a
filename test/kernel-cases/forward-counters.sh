# forward-counters: (1) does a forwarded packet raise the router's Ip6OutRequests in 6.1?
# (2) does `ip6tables -P CHAIN POLICY` without -c reset the chain's policy counters?
# Run: ../shared/oracle/uml-run test/kernel-cases/forward-counters.sh OUTDIR
set -u
for n in h1 r h2; do ip netns add $n; ip -n $n link set lo up; done
ip link add eth0 netns h1 type veth peer name eth0 netns r
ip link add eth1 netns r type veth peer name eth0 netns h2
ip -n h1 link set eth0 up; ip -n r link set eth0 up; ip -n r link set eth1 up; ip -n h2 link set eth0 up
ip -n h1 addr add 1::1/64 dev eth0 nodad; ip -n r addr add 1::2/64 dev eth0 nodad
ip -n r addr add 2::2/64 dev eth1 nodad; ip -n h2 addr add 2::1/64 dev eth0 nodad
ip -n h1 route add default via 1::2; ip -n h2 route add default via 2::2
ip netns exec r sysctl -qw net.ipv6.conf.all.forwarding=1
ip netns exec r ip6tables-legacy -P FORWARD ACCEPT
ip netns exec h1 ping -c 1 -W 1 2::1 >/dev/null   # warm up neighbours
snap() { ip netns exec r awk '$1=="Ip6OutRequests"||$1=="Ip6OutForwDatagrams"||$1=="Ip6InReceives"{printf "%s=%s ", $1, $2}' /proc/net/snmp6; echo; }
echo "before: $(snap)"
ip netns exec h1 ping -c 5 -i 0.2 -W 1 2::1 >/dev/null
echo "after 5 forwarded echoes (and 5 replies): $(snap)"
echo "FORWARD policy counters: $(ip netns exec r ip6tables-legacy -L FORWARD -v -n -x | head -1)"
ip netns exec r ip6tables-legacy -P FORWARD ACCEPT
echo "after -P FORWARD ACCEPT (no -c): $(ip netns exec r ip6tables-legacy -L FORWARD -v -n -x | head -1)"
