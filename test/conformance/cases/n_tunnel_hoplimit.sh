# Hop limit expiry on a tunnel path: the first gateway answers hop limit 1 itself; the second gateway, after decapsulating, answers hop limit 2 in plaintext, or through the tunnel when its out policy has flag icmp; an outer hop limit of 1 makes the router between the gateways answer the gateway, not the host.
. ./lib.sh
. ./n_lib.bash
tun() { gwtun "$@"; gwpol "$2" "$4" "${extra[@]}"; gwfwd "$2" "$4"; gwsa "$2" "$4"; }
extra=()
note "H1: hop limit 1: g1 sends Time Exceeded before any tunnel"
tun h1 g1 r1 k1 t1; cap hl_H1 r1 eth1
pingt h1 4322::2 -t 1
capstop; xstat H1 g1 k1; snmp6 g1 H1 Icmp6OutTimeExcds

note "H2: hop limit 2: the inner packet expires at k2 after decapsulation; its Time Exceeded (from 4324::2) crosses the router in plaintext"
tun h2 g2 r2 k2 t2; cap hl_H2 r2 eth1
pingt h2 4322::2 -t 2
capstop; xstat H2 g2 k2; snmp6 k2 H2 Icmp6OutTimeExcds; snmp6 h2 H2 Icmp6InTimeExcds

note "H3: as H2 with flag icmp on the out policies: the error goes through the tunnel, and g3 has no policy for it"
extra=(flag icmp)
tun h3 g3 r3 k3 t3; cap hl_H3 r3 eth1
x k3 ip xfrm policy list
pingt h3 4322::2 -t 2
capstop; xstat H3 g3 k3; snmp6 k3 H3 Icmp6OutTimeExcds; snmp6 h3 H3 Icmp6InTimeExcds
extra=()

note "H4: the outer packet leaves g4 with hop limit 1 (hop_limit 1 on g4's eth1): r4 answers g4 about the ESP packet"
tun h4 g4 r4 k4 t4; cap hl_H4 r4 eth0
x g4 sysctl -w net.ipv6.conf.eth1.hop_limit=1
pingt h4 4322::2
capstop; xstat H4 g4 k4; snmp6 r4 H4 Icmp6OutTimeExcds; snmp6 g4 H4 Icmp6InTimeExcds; snmp6 h4 H4 Icmp6InTimeExcds
