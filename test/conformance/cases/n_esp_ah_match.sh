# ip6tables matches for IPsec headers on IPv6: -m esp --espspi (single, range, negated), -p esp; for AH, -p ah never matches (AH is skipped as an extension header) while -m ah --ahspi does, and -p ipv6-icmp matches the AH-protected echo; -m esp without -p esp is refused.
. ./lib.sh
. ./n_lib.bash
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
note "E1: echo requests in ESP spi 0x850, replies in ESP spi 0x851; rules on b"
pair a1 b1
x a1 ip xfrm policy add src 4321::1 dst 4321::2 dir out tmpl proto esp mode transport
x b1 ip xfrm policy add src 4321::2 dst 4321::1 dir out tmpl proto esp mode transport
for n in a1 b1; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x850 enc "cbc(aes)" $K mode transport
  x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x851 enc "cbc(aes)" $K mode transport
done
for m in "-m esp --espspi 0x850" "-m esp --espspi 0x851" "-m esp --espspi 0x800:0x850" "-m esp ! --espspi 0x850" "-m esp --espspi 2128"; do
  x b1 ip6tables -A INPUT -p esp $m
  x b1 ip6tables -A OUTPUT -p esp $m
done
pingt a1 4321::2
nf b1 filter INPUT; nf b1 filter OUTPUT

note "E2: echo requests in AH spi 0x860; -p ah, -p 51, -m ah and -p ipv6-icmp on b"
pair a2 b2
x a2 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
for n in a2 b2; do x $n ip xfrm state add src 4321::1 dst 4321::2 proto ah spi 0x860 auth "hmac(sha1)" $A mode transport; done
x b2 ip6tables -t mangle -A PREROUTING -p ah
x b2 ip6tables -t mangle -A PREROUTING -p 51
x b2 ip6tables -t mangle -A PREROUTING -m ah --ahspi 0x860
x b2 ip6tables -t mangle -A PREROUTING -m ah --ahspi 0x861
x b2 ip6tables -t mangle -A PREROUTING -m ah ! --ahspi 0x861
x b2 ip6tables -t mangle -A PREROUTING -p ipv6-icmp --icmpv6-type echo-request
x b2 ip6tables -t mangle -A PREROUTING -p ipv6-icmp --icmpv6-type echo-request -m ah
x b2 ip6tables -t mangle -A INPUT -p ipv6-icmp --icmpv6-type echo-request -m policy --dir in --pol ipsec --proto ah
pingt a2 4321::2
nf b2 mangle PREROUTING; nf b2 mangle INPUT

note "E3: refused rule forms"
x b2 ip6tables -A INPUT -m esp --espspi 5
x b2 ip6tables -A INPUT -p udp -m esp --espspi 5
x b2 ip6tables -A INPUT -p esp --espspi 5
x b2 ip6tables -A INPUT -p esp -m esp --espspi 0x1ffffffff
x b2 ip6tables -A INPUT -m ah --ahspi 6:5
x b2 ip6tables -S INPUT
