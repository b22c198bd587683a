# ip6tables -m policy --dir out: in OUTPUT and POSTROUTING it matches the plain packet about to be transformed (tunnel-src/dst, reqid, spi, mode) and not the ESP packet; on a router, FORWARD sees --dir out for requests entering the tunnel and --dir in for replies leaving it.
. ./lib.sh
. ./n_lib.bash
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
note "Q1: a tunnels echo requests to b (tunnel 4321::1 -> 4321::2, reqid 7, spi 0x820); counting rules in a's OUTPUT and POSTROUTING"
pair a1 b1
x a1 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl src 4321::1 dst 4321::2 proto esp reqid 7 mode tunnel
for n in a1 b1; do x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x820 reqid 7 enc "cbc(aes)" $K1 mode tunnel; done
x b1 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl src 4321::1 dst 4321::2 proto esp reqid 7 mode tunnel
for m in "--pol ipsec" "--pol none" "--pol ipsec --mode tunnel --tunnel-src 4321::1 --tunnel-dst 4321::2" "--pol ipsec --tunnel-dst 4321::9" \
  "--pol ipsec --tunnel-src 4321::/64" "--pol ipsec --strict --reqid 7 --proto esp --mode tunnel --tunnel-src 4321::1 --tunnel-dst 4321::2" \
  "--pol ipsec --spi 0x820" "--pol ipsec --spi 0x821" "--pol ipsec --spi 0x20080000" "--pol ipsec --mode transport"; do
  x a1 ip6tables -A OUTPUT -p ipv6-icmp --icmpv6-type echo-request -m policy --dir out $m
done
x a1 ip6tables -A OUTPUT -p esp -m policy --dir out --pol none
x a1 ip6tables -A OUTPUT -p esp -m policy --dir out --pol ipsec
x a1 ip6tables -t mangle -A POSTROUTING -p ipv6-icmp --icmpv6-type echo-request -m policy --dir out --pol ipsec
x a1 ip6tables -t mangle -A POSTROUTING -p esp -m policy --dir out --pol none
pingt a1 4321::2
nf a1 filter OUTPUT; nf a1 mangle POSTROUTING

note "Q2: router r tunnels h1 -> h2 to h2 itself and receives h2's replies through the tunnel; FORWARD counts by direction"
routed h2 r2 t2
x r2 ip xfrm policy add src 4321::/64 dst 4322::2 dir out tmpl src 4322::ff dst 4322::2 proto esp reqid 3 mode tunnel
x r2 ip xfrm policy add src 4322::2 dst 4321::/64 dir fwd tmpl src 4322::2 dst 4322::ff proto esp reqid 4 mode tunnel
x t2 ip xfrm policy add src 4322::2 dst 4321::/64 dir out tmpl src 4322::2 dst 4322::ff proto esp reqid 4 mode tunnel
x t2 ip xfrm policy add src 4321::/64 dst 4322::2 dir in tmpl src 4322::ff dst 4322::2 proto esp reqid 3 mode tunnel
for n in r2 t2; do
  x $n ip xfrm state add src 4322::ff dst 4322::2 proto esp spi 0x831 reqid 3 enc "cbc(aes)" $K1 mode tunnel
  x $n ip xfrm state add src 4322::2 dst 4322::ff proto esp spi 0x832 reqid 4 enc "cbc(aes)" $K2 mode tunnel
done
for m in "--dir out --pol ipsec" "--dir out --pol none" "--dir in --pol ipsec" "--dir in --pol none" \
  "--dir out --pol ipsec --reqid 3 --mode tunnel --tunnel-dst 4322::2" "--dir in --pol ipsec --reqid 4 --mode tunnel --tunnel-src 4322::2" "--dir in --pol ipsec --reqid 3" "--dir out --pol ipsec --tunnel-dst 4322::2"; do
  x r2 ip6tables -A FORWARD -p ipv6-icmp -m policy $m
done
pingt h2 4322::2
nf r2 filter FORWARD; xstat Q2 r2 t2
