# Port-selected policies for UDP: sport and dport selectors decide which datagrams go in ESP; the receiver's in policy for one port refuses plaintext to that port silently (no port unreachable, XfrmInTmplMismatch) and lets other ports answer with errors.
. ./lib.sh
. ./n_lib.bash
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
note "W1: a's out policy for sport 4000 dport 5000: from 4000 in ESP, from 4001 plaintext (b has no listener: port unreachable in plaintext)"
pair a1 b1; cap udpp_W1 b1 eth0
x a1 ip xfrm policy add src 4321::1 dst 4321::2 proto udp sport 4000 dport 5000 dir out tmpl proto esp mode transport
for n in a1 b1; do x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x891 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode transport; done
pingt a1 4321::2
udpsend a1 4321::2 5000 -p 4000
udpsend a1 4321::2 5000 -p 4001
udpsend a1 4321::2 5001 -p 4000
capstop; xstat W1 a1 b1; sastat a1; snmp6 b1 W1 Udp6InDatagrams Udp6NoPorts Icmp6OutDestUnreachs

note "W2: b requires ESP for dport 5000 only: a plaintext datagram to 5000 is dropped without an error, one to 5002 gets its port unreachable"
pair a2 b2; cap udpp_W2 b2 eth0
x b2 ip xfrm policy add dst 4321::2 proto udp dport 5000 dir in tmpl proto esp mode transport
pingt a2 4321::2
udpsend a2 4321::2 5000
udpsend a2 4321::2 5002
capstop; xstat W2 a2 b2; snmp6 b2 W2 Udp6InDatagrams Udp6NoPorts Udp6InErrors Icmp6OutDestUnreachs; snmp6 a2 W2 Icmp6InDestUnreachs

note "W3: a policy with dport range words is refused; sport and dport 0 mean any"
x a2 ip xfrm policy add dst 4321::2 proto udp dport 5000-5010 dir out
x a2 ip xfrm policy add dst 4321::2 proto udp dport 0 dir out action block
x a2 ip xfrm policy list
udpsend a2 4321::2 5003
xstat W3 a2
