# State flags: each of noecn, decap-dscp, nopmtudisc, wildrecv, icmp, af-unspec and align4 as listed back, an unknown flag refused, tunnel SAs with noecn and decap-dscp carrying echoes, and align4 on AH (whether IPv6 AH keeps 8-byte alignment).
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A20=0x0123456789abcdef0123456789abcdef01234567
A16=0x0f0e0d0c0b0a09080706050403020100
note "F1: each flag alone, then all together, listed back"
pair a1 b1
spi=0x270
for f in noecn decap-dscp nopmtudisc wildrecv icmp af-unspec align4 "noecn decap-dscp nopmtudisc wildrecv icmp align4" "0x5" "bogus"; do
  spi=$((spi + 1))
  x a1 ip xfrm state add dst 4321::2 proto esp spi $spi enc "cbc(aes)" $K mode transport flag $f
  x a1 ip xfrm state get dst 4321::2 proto esp spi $spi
done
x a1 ip xfrm state count

note "F2: ESP tunnel SAs with noecn on the sender and decap-dscp on the receiver"
pair a2 b2; cap flag_F2 b2 eth0
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
x a2 ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x27e enc "cbc(aes)" $K mode tunnel flag noecn
x b2 ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x27e enc "cbc(aes)" $K mode tunnel flag decap-dscp noecn
x b2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir in tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
pingt a2 4321::2
capstop; xstat F2 a2 b2

note "F3: AH with a 128-bit ICV (hmac(md5)): align4 on both ends, then on the sender only"
pair a3 b3; cap flag_F3 b3 eth0
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
for n in a3 b3; do x $n ip xfrm state add dst 4321::2 proto ah spi 0x27f auth-trunc "hmac(md5)" $A16 128 mode transport flag align4; done
pingt a3 4321::2
x b3 ip xfrm state deleteall
x b3 ip xfrm state add dst 4321::2 proto ah spi 0x27f auth-trunc "hmac(md5)" $A16 128 mode transport
pingt a3 4321::2
note "F4: AH hmac(sha1) truncated to 160 bits (header 32 bytes either way), align4 on both"
for n in a3 b3; do q $n ip xfrm state flush
  x $n ip xfrm state add dst 4321::2 proto ah spi 0x280 auth-trunc "hmac(sha1)" $A20 160 mode transport flag align4; done
pingt a3 4321::2
capstop; xstat F3-4 a3 b3
