# Connected UDP (nc -u) under an out policy whose template has no SA: the datagram leaves the socket (Udp6OutDatagrams) into the blackhole, and XfrmOutNoStates counts every route lookup of connect() and send.
. ./lib.sh
. ./n_lib.bash
note "Z1: one datagram with nc -u to 4321::2 port 5000, ESP required for UDP, no SA"
pair a1 b1; cap udpns_Z1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto udp dir out tmpl proto esp mode transport
udpsend a1 4321::2 5000
xstat Z1 a1
snmp6 a1 Z1 Udp6OutDatagrams Udp6SndbufErrors
note "Z2: a second nc -u run from the same host"
udpsend a1 4321::2 5001
capstop; xstat Z2 a1
snmp6 a1 Z2 Udp6OutDatagrams
