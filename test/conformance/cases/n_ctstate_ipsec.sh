# Connection tracking with IPsec flows: ESP has one generic entry per address pair (NEW until the other side sends ESP, then ESTABLISHED), the decapsulated echo is tracked on its own (NEW per ping, replies ESTABLISHED), and a stateful firewall that accepts ESP and IPsec-decapsulated packets passes the protected ping and drops a plaintext one.
. ./lib.sh
. ./n_lib.bash
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
esp2() { local n; for n in "$1" "$2"; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x841 enc "cbc(aes)" $K1 mode transport
  x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x842 enc "cbc(aes)" $K2 mode transport; done
  x $1 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
  x $2 ip xfrm policy add src 4321::2 dst 4321::1 proto ipv6-icmp type 129 dir out tmpl proto esp mode transport; }
note "S1: two pings a -> b, both ways in ESP; state rules in b's INPUT and OUTPUT and a's INPUT"
pair a1 b1; esp2 a1 b1
for s in NEW ESTABLISHED RELATED INVALID UNTRACKED; do
  q b1 ip6tables -A INPUT -p esp -m conntrack --ctstate $s
  q b1 ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-request -m conntrack --ctstate $s
  q b1 ip6tables -A OUTPUT -p esp -m conntrack --ctstate $s
  q a1 ip6tables -A INPUT -p esp -m conntrack --ctstate $s
  q a1 ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-reply -m conntrack --ctstate $s
done
pingt a1 4321::2
pingt a1 4321::2
nf b1 filter INPUT; nf b1 filter OUTPUT; nf a1 filter INPUT

note "S2: ESP only one way (b's reply plaintext): a's ESP stays NEW on b, -m state sees the same"
pair a2 b2
x a2 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
for n in a2 b2; do x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x843 enc "cbc(aes)" $K1 mode transport; done
x b2 ip6tables -A INPUT -p esp -m state --state NEW
x b2 ip6tables -A INPUT -p esp -m state --state ESTABLISHED
pingt a2 4321::2
pingt a2 4321::2
nf b2 filter INPUT

note "S3: stateful firewall on b (policy DROP): ESTABLISHED, ND, ESP and IPsec-decapsulated packets accepted; a's echo from 4321::1 is protected and passes, from 4321::11 (a's default source, the newer address) plaintext and dropped"
pair a3 b3; addr a3 eth0 4321::11/64; esp2 a3 b3
x b3 ip6tables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
x b3 ip6tables -A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT
x b3 ip6tables -A INPUT -p ipv6-icmp --icmpv6-type neighbour-advertisement -j ACCEPT
x b3 ip6tables -A INPUT -p esp -j ACCEPT
x b3 ip6tables -A INPUT -m policy --dir in --pol ipsec -j ACCEPT
x b3 ip6tables -P INPUT DROP
pingt a3 4321::2 -I 4321::1
pingt a3 4321::2
nf b3 filter INPUT icmptype; xstat S3 a3 b3
