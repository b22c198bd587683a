# ip6tables -m policy --dir in on the receiver of a transport-mode ESP echo: --pol ipsec matches the decapsulated packet and not the ESP packet, --pol none the rest; element matches on proto, spi (compared with the SA's SPI in network byte order, so on a little-endian machine only the byte-swapped value matches), reqid and mode with and without --strict; ESP inside AH with --strict element order, and what the receiver does with AH inside ESP; --dir in is refused in OUTPUT.
. ./lib.sh
. ./n_lib.bash
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
note "P1: a -> b echo in ESP spi 0x800 reqid 5; counting rules in b's mangle PREROUTING and filter INPUT"
pair a1 b1
x a1 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp reqid 5 mode transport
for n in a1 b1; do x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x800 reqid 5 enc "cbc(aes)" $K mode transport; done
x b1 ip6tables -t mangle -A PREROUTING -p ipv6-icmp -m policy --dir in --pol ipsec
x b1 ip6tables -t mangle -A PREROUTING -p esp -m policy --dir in --pol none
for m in "--pol ipsec" "--pol none" "--pol ipsec --proto esp" "--pol ipsec --proto ah" "--pol ipsec --spi 0x800" \
  "--pol ipsec --spi 0x801" "--pol ipsec --spi 0x80000" "--pol ipsec --reqid 5" "--pol ipsec --reqid 6" "--pol ipsec --mode transport" "--pol ipsec --mode tunnel" \
  "--pol ipsec --strict --proto esp --spi 0x800 --reqid 5 --mode transport" "--pol ipsec --strict --proto esp --mode tunnel" \
  "--pol ipsec --strict --proto esp --next --proto ah"; do
  x b1 ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-request -m policy --dir in $m
done
x b1 ip6tables -A INPUT -p esp -m policy --dir in --pol ipsec
x b1 ip6tables -A INPUT -p esp -m policy --dir in --pol none
pingt a1 4321::2
nf b1 mangle PREROUTING; nf b1 filter INPUT

note "P2: ESP inside AH (two SAs, AH outermost): --strict with the elements innermost first (esp then ah) matches, ah then esp does not; non-strict matches either one"
pair a2 b2
x a2 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport tmpl proto ah mode transport
for n in a2 b2; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto ah spi 0x811 auth "hmac(sha1)" $A mode transport
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x812 enc "cbc(aes)" $K mode transport
done
for m in "--strict --proto esp --next --proto ah" "--strict --proto ah --next --proto esp" "--strict --proto esp" "--proto ah" "--proto esp" "--reqid 0"; do
  x b2 ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-request -m policy --dir in --pol ipsec $m
done
pingt a2 4321::2
nf b2 filter INPUT; xstat P2 a2 b2

note "P2b: the other nesting, AH inside ESP: what the receiver makes of it"
pair a4 b4; cap pm_P2b b4 eth0
x a4 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport tmpl proto esp mode transport
for n in a4 b4; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto ah spi 0x811 auth "hmac(sha1)" $A mode transport
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x812 enc "cbc(aes)" $K mode transport
done
pingt a4 4321::2
capstop; xstat P2b a4 b4; sastat b4

note "P3: where --dir in and --dir out are allowed"
x b2 ip6tables -A OUTPUT -m policy --dir in --pol ipsec
x b2 ip6tables -A INPUT -m policy --dir out --pol ipsec
x b2 ip6tables -A FORWARD -m policy --dir in --pol ipsec
x b2 ip6tables -A FORWARD -m policy --dir out --pol ipsec
x b2 ip6tables -A INPUT -m policy --pol ipsec
x b2 ip6tables -A INPUT -m policy --dir in --pol ipsec --spi 1 --next --spi 2 --next
x b2 ip6tables -S
