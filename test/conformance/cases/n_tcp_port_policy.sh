# Port-selected policies for TCP: an out policy for dport 80 (and the reverse for sport 80) tunnels only connections to port 80, a connection to port 81 stays plaintext; an in policy requiring ESP for dport 81 makes plaintext SYNs vanish (no reset, XfrmInTmplMismatch).
. ./lib.sh
. ./n_lib.bash
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
A=0x0123456789abcdef0123456789abcdef01234567
note "T1: a -> b port 80 in ESP (tunnel mode between the hosts), port 81 plaintext"
pair a1 b1; cap tcpp_T1 b1 eth0
x a1 ip xfrm policy add src 4321::1 dst 4321::2 proto tcp dport 80 dir out tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
x b1 ip xfrm policy add src 4321::1 dst 4321::2 proto tcp dport 80 dir in tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
x b1 ip xfrm policy add src 4321::2 dst 4321::1 proto tcp sport 80 dir out tmpl src 4321::2 dst 4321::1 proto esp mode tunnel
x a1 ip xfrm policy add src 4321::2 dst 4321::1 proto tcp sport 80 dir in tmpl src 4321::2 dst 4321::1 proto esp mode tunnel
for n in a1 b1; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x881 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode tunnel
  x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x882 enc "cbc(aes)" $K2 auth "hmac(sha1)" $A mode tunnel
done
pingt a1 4321::2
tcplisten b1 80 rx80
tcpsend a1 4321::2 80
tcpdone rx80
tcplisten b1 81 rx81
tcpsend a1 4321::2 81
tcpdone rx81
capstop; xstat T1 a1 b1; sastat a1 b1

note "T2: b requires ESP for dport 81, a sends plaintext: the SYN is dropped after INPUT, no reset comes back"
pair a2 b2; cap tcpp_T2 b2 eth0
x b2 ip xfrm policy add dst 4321::2 proto tcp dport 81 dir in tmpl proto esp mode transport
x b2 ip6tables -A INPUT -p tcp --dport 81
pingt a2 4321::2
tcpsend a2 4321::2 81
capstop; nf b2 filter INPUT; xstat T2 a2 b2

note "T3: a source-port policy on the client: connections from port 4400 in ESP, the reply direction by dport 4400"
pair a3 b3; cap tcpp_T3 b3 eth0
x a3 ip xfrm policy add src 4321::1 dst 4321::2 proto tcp sport 4400 dir out tmpl proto esp mode transport
x b3 ip xfrm policy add src 4321::2 dst 4321::1 proto tcp dport 4400 dir out tmpl proto esp mode transport
for n in a3 b3; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x883 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode transport
  x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x884 enc "cbc(aes)" $K2 auth "hmac(sha1)" $A mode transport
done
pingt a3 4321::2
tcplisten b3 7100 rx7100
tcpsend a3 4321::2 7100 -p 4400
tcpdone rx7100
capstop; xstat T3 a3 b3; sastat a3 b3
