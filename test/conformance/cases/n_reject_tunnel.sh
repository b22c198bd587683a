# REJECT in an IPsec path: on a tunnel gateway's FORWARD the port-unreachable for a decapsulated packet goes back in plaintext (or into the tunnel with flag icmp), on a transport-mode endpoint the error and the TCP reset are covered by the host's own any-protocol policy and leave in ESP.
. ./lib.sh
. ./n_lib.bash
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
note "R1: k1 rejects the decapsulated echo request in FORWARD: the error from 4324::2 to h1 crosses the router in plaintext"
gwtun h1 g1 r1 k1 t1; cap rej_R1 r1 eth1
gwpol g1 k1; gwfwd g1 k1; gwsa g1 k1
x k1 ip6tables -A FORWARD -p ipv6-icmp --icmpv6-type echo-request -j REJECT
pingt h1 4322::2
capstop; nf k1 filter FORWARD; xstat R1 g1 k1; snmp6 k1 R1 Icmp6OutDestUnreachs; snmp6 h1 R1 Icmp6InDestUnreachs

note "R2: the same with flag icmp on the gateways' out policies"
gwtun h2 g2 r2 k2 t2; cap rej_R2 r2 eth1
gwpol g2 k2 flag icmp; gwfwd g2 k2; gwsa g2 k2
x k2 ip6tables -A FORWARD -p ipv6-icmp --icmpv6-type echo-request -j REJECT --reject-with icmp6-adm-prohibited
pingt h2 4322::2
capstop; xstat R2 g2 k2; snmp6 k2 R2 Icmp6OutDestUnreachs; snmp6 h2 R2 Icmp6InDestUnreachs

note "R3: transport ESP for everything between a and b (ND bypassed); b rejects UDP with port unreachable and TCP with a reset: both answers in ESP"
pair a3 b3; cap rej_R3 b3 eth0
for n in a3 b3; do
  x $n ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 dir out priority 10
  x $n ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 136 dir out priority 10
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x871 enc "cbc(aes)" $K1 mode transport
  x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x872 enc "cbc(aes)" $K2 mode transport
done
x a3 ip xfrm policy add src 4321::1 dst 4321::2 dir out priority 100 tmpl proto esp mode transport
x b3 ip xfrm policy add src 4321::2 dst 4321::1 dir out priority 100 tmpl proto esp mode transport
x b3 ip6tables -A INPUT -p udp -j REJECT
x b3 ip6tables -A INPUT -p tcp -j REJECT --reject-with tcp-reset
udpsend a3 4321::2 5000
tcpsend a3 4321::2 80
capstop; nf b3 filter INPUT; xstat R3 a3 b3; sastat a3
