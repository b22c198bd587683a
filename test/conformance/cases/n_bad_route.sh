# Refused ip -6 route commands (duplicates, absent routes, unreachable or invalid gateways, unknown devices, bad prefixes and keywords) with their messages and exit codes; after each failure the routing table is unchanged.
. ./lib.sh
node n m; link n eth0 m eth0; addr n eth0 4321::1/64
try() { x n "$@"; x n ip -6 route show; }
x n ip -6 route add 4322::/64 via 4321::ff
note "E1: duplicates and absent routes"
try ip -6 route add 4322::/64 via 4321::ff
try ip -6 route add 4322::/64 via 4321::fe
try ip -6 route del 4323::/64
try ip -6 route del 4322::/64 via 4321::fe
try ip -6 route get 4325::1
note "E2: gateways and devices"
try ip -6 route add 4323::/64 via 4329::1
try ip -6 route add 4323::/64 via 4321::1
try ip -6 route add 4323::/64 via ff02::1
try ip -6 route add 4323::/64 dev nosuch0
try ip -6 route add 4323::/64 via 4321::ff dev lo
try ip -6 route add 4323::/64 via 10.0.0.1
note "E3: prefixes and keywords"
try ip -6 route add 4323::/129 via 4321::ff
try ip -6 route add 4323::zz/64 via 4321::ff
try ip -6 route add 4323::/64 via
try ip -6 route add 4323::/64 foo 4321::ff
try ip -6 route add 4323::/64 via 4321::ff metric x
try ip -6 route add 4323::/64 via 4321::ff table nosuch
try ip -6 route add unreachable 4323::/64 via 4321::ff
try ip -6 route add 4323::1/64 via 4321::ff
x n ip -6 route del 4322::/64
x n ip -6 route show
