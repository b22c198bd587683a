# UDP to a closed port under transport-mode policies: the port unreachable follows the error's own flow, so a UDP-only policy leaves it plaintext and an any-protocol policy protects it; flag icmp lets a UDP-only policy protect it by the offending datagram's reverse flow; a sender requiring ESP for ICMPv6 drops the plaintext error.
. ./lib.sh
. ./n_lib.bash
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
# base N PROTO-WORDS... : fresh pair aN bN; both directions in ESP for the given selector words (e.g. "proto udp"), SAs both ways
base() { local n=$1; shift; pair a$n b$n
  x a$n ip xfrm policy add src 4321::1 dst 4321::2 "$@" dir out tmpl proto esp mode transport
  x b$n ip xfrm policy add src 4321::2 dst 4321::1 "$@" dir out tmpl proto esp mode transport
  for m in a$n b$n; do
    x $m ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x8a1 enc "cbc(aes)" $K1 mode transport
    x $m ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x8a2 enc "cbc(aes)" $K2 mode transport
  done; }
note "U1: policies for UDP only: the datagram in ESP, the port unreachable plaintext"
base 1 proto udp; cap ucp_U1 b1 eth0
pingt a1 4321::2
udpsend a1 4321::2 6000
capstop; xstat U1 a1 b1; snmp6 b1 U1 Udp6NoPorts Icmp6OutDestUnreachs; snmp6 a1 U1 Icmp6InDestUnreachs

note "U2: policies for every protocol between the two addresses: the port unreachable in ESP too"
base 2; cap ucp_U2 b2 eth0
pingt a2 4321::2
udpsend a2 4321::2 6000
capstop; xstat U2 a2 b2; sastat b2; snmp6 a2 U2 Icmp6InDestUnreachs

note "U3: UDP-only policies with flag icmp on b's: the error is protected through the reverse flow"
pair a3 b3; cap ucp_U3 b3 eth0
x a3 ip xfrm policy add src 4321::1 dst 4321::2 proto udp dir out tmpl proto esp mode transport
x b3 ip xfrm policy add src 4321::2 dst 4321::1 proto udp dir out flag icmp tmpl proto esp mode transport
for m in a3 b3; do
  x $m ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x8a1 enc "cbc(aes)" $K1 mode transport
  x $m ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x8a2 enc "cbc(aes)" $K2 mode transport
done
x b3 ip xfrm policy list
pingt a3 4321::2
udpsend a3 4321::2 6000
capstop; xstat U3 a3 b3; sastat b3; snmp6 a3 U3 Icmp6InDestUnreachs

note "U4: UDP-only policies, a requires ESP for ICMPv6 errors from b (type 1): the plaintext error is dropped at a"
base 4 proto udp
x a4 ip xfrm policy add src 4321::2 dst 4321::1 proto ipv6-icmp type 1 dir in tmpl proto esp mode transport
pingt a4 4321::2
udpsend a4 4321::2 6000
xstat U4 a4 b4; snmp6 a4 U4 Icmp6InDestUnreachs Icmp6InErrors
