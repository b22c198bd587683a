# A state's sel beyond addresses: two sender SAs to one destination told apart by their sel's protocol, sels with an ICMPv6 type on the receiver, and sels on tunnel SAs checked against the inner packet.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
note "L1: sender has SA 0x401 (sel proto udp) and SA 0x402 (sel proto ipv6-icmp), added in that order"
pair a1 b1; cap selx_L1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a1 ip xfrm state add dst 4321::2 proto esp spi 0x401 enc "cbc(aes)" $K mode transport sel src ::/0 dst ::/0 proto udp
x a1 ip xfrm state add dst 4321::2 proto esp spi 0x402 enc "cbc(aes)" $K2 mode transport sel src ::/0 dst ::/0 proto ipv6-icmp
for n in b1; do x $n ip xfrm state add dst 4321::2 proto esp spi 0x401 enc "cbc(aes)" $K mode transport
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x402 enc "cbc(aes)" $K2 mode transport; done
x a1 ip xfrm state list
pingt a1 4321::2
capstop; xstat L1 a1 b1; sastat b1

i=1
for sel in "proto ipv6-icmp type 128" "proto ipv6-icmp type 129" "proto ipv6-icmp type 128 code 1" "src 4321::1/128 dst 4321::2/128 proto ipv6-icmp"; do
  i=$((i+1)); A1=a$i; B1=b$i
  note "L$i: receiver's transport SA with sel $sel"
  pair $A1 $B1
  x $A1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
  x $A1 ip xfrm state add dst 4321::2 proto esp spi 0x403 enc "cbc(aes)" $K mode transport
  x $B1 ip xfrm state add dst 4321::2 proto esp spi 0x403 enc "cbc(aes)" $K mode transport sel $sel
  x $B1 ip xfrm state list
  pingt $A1 4321::2
  xstat "L$i" $A1 $B1
done

for sel in "src 4321::1 dst 4321::2" "src 5000::/64 dst 4321::2" "src ::/0 dst ::/0 proto udp"; do
  i=$((i+1)); A1=a$i; B1=b$i
  note "L$i: receiver's tunnel SA with sel $sel"
  pair $A1 $B1
  x $A1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
  x $A1 ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x404 enc "cbc(aes)" $K mode tunnel
  x $B1 ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x404 enc "cbc(aes)" $K mode tunnel sel $sel
  pingt $A1 4321::2
  xstat "L$i" $A1 $B1
done
