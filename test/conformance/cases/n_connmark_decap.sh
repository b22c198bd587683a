# CONNMARK around decapsulation: a mark set on the ESP packet in PREROUTING stays on the decapsulated packet, is saved to its connection and restored on the reply, which then meets a marked out policy; connection marks do not cross the transform.
. ./lib.sh
. ./n_lib.bash
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
note "K1: ESP marked 5 in PREROUTING; INPUT saves the decapsulated echo's mark; OUTPUT restores it: the reply uses the mark-5 policy (ESP)"
pair a1 b1; cap cm_K1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x b1 ip xfrm policy add dst 4321::1 proto ipv6-icmp type 129 dir out mark 5 tmpl proto esp mode transport
for n in a1 b1; do
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x750 enc "cbc(aes)" $K1 mode transport
  x $n ip xfrm state add dst 4321::1 proto esp spi 0x751 enc "cbc(aes)" $K2 mode transport
done
x b1 ip6tables -t mangle -A PREROUTING -p esp -j MARK --set-mark 5
x b1 ip6tables -t mangle -A INPUT -p ipv6-icmp -m mark --mark 5 -j CONNMARK --save-mark
x b1 ip6tables -t mangle -A OUTPUT -p ipv6-icmp --icmpv6-type echo-reply -j CONNMARK --restore-mark
x b1 ip6tables -t mangle -A OUTPUT -p ipv6-icmp -m mark --mark 5
pingt a1 4321::2
capstop; nf b1 mangle PREROUTING; nf b1 mangle INPUT; nf b1 mangle OUTPUT; xstat K1 a1 b1; sastat b1

note "K2: without the save-mark rule the reply stays plaintext"
pair a2 b2; cap cm_K2 b2 eth0
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x b2 ip xfrm policy add dst 4321::1 proto ipv6-icmp type 129 dir out mark 5 tmpl proto esp mode transport
for n in a2 b2; do
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x750 enc "cbc(aes)" $K1 mode transport
  x $n ip xfrm state add dst 4321::1 proto esp spi 0x751 enc "cbc(aes)" $K2 mode transport
done
x b2 ip6tables -t mangle -A PREROUTING -p esp -j MARK --set-mark 5
x b2 ip6tables -t mangle -A OUTPUT -p ipv6-icmp --icmpv6-type echo-reply -j CONNMARK --restore-mark
pingt a2 4321::2
capstop; xstat K2 a2 b2

note "K3: a connection mark set on the plain echo does not reach its ESP packet (own conntrack entry), the skb mark does"
pair a3 b3
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a3 ip xfrm state add dst 4321::2 proto esp spi 0x752 enc "cbc(aes)" $K1 mode transport
x b3 ip xfrm state add dst 4321::2 proto esp spi 0x752 enc "cbc(aes)" $K1 mode transport
x a3 ip6tables -t mangle -A OUTPUT -p ipv6-icmp --icmpv6-type echo-request -j CONNMARK --set-mark 9
x a3 ip6tables -t mangle -A OUTPUT -p ipv6-icmp --icmpv6-type echo-request -j MARK --set-mark 6
q a3 ip6tables -t mangle -A POSTROUTING -p esp -m connmark --mark 9
q a3 ip6tables -t mangle -A POSTROUTING -p esp -m connmark --mark 0
q a3 ip6tables -t mangle -A POSTROUTING -p esp -m mark --mark 6
q a3 ip6tables -t mangle -A POSTROUTING -p ipv6-icmp -m connmark --mark 9
pingt a3 4321::2
nf a3 mangle POSTROUTING; xstat K3 a3 b3

note "K4: on the receiver, the ESP connection's mark is not the decapsulated packet's connection mark"
x b3 ip6tables -t mangle -A PREROUTING -p esp -j CONNMARK --set-mark 8
q b3 ip6tables -t mangle -A INPUT -p ipv6-icmp -m connmark --mark 8
q b3 ip6tables -t mangle -A INPUT -p ipv6-icmp -m connmark --mark 0
q b3 ip6tables -t mangle -A INPUT -p esp -m connmark --mark 8
pingt a3 4321::2
nf b3 mangle INPUT
