# The AES-based MACs and the null digest: xcbc(aes) and cmac(aes) for AH and for ESP with cbc(aes), digest_null for AH; the kernel has them all.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
M=0x000102030405060708090a0b0c0d0e0f
pair a b; cap aesmac b eth0
spi=0x1c0
x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
for auth in "xcbc(aes)" "cmac(aes)"; do
  spi=$((spi + 1)); note "X AH spi $spi: $auth"
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto ah spi $spi auth "$auth" $M mode transport; done
  x b ip xfrm state list
  pingt a 4321::2
done
x a ip xfrm policy update dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
for auth in "xcbc(aes)" "cmac(aes)"; do
  spi=$((spi + 1)); note "X ESP spi $spi: cbc(aes) + $auth"
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto esp spi $spi enc "cbc(aes)" $K auth "$auth" $M mode transport; done
  pingt a 4321::2
done
capstop; xstat aesmac a b; sastat b
note "X bad: xcbc(aes) with a 20-byte key; digest_null for AH"
x a ip xfrm state add dst 4321::9 proto ah spi 0x1cf auth "xcbc(aes)" 0x0123456789abcdef0123456789abcdef01234567 mode transport
x a ip xfrm state add dst 4321::9 proto ah spi 0x1ce auth digest_null "" mode transport
x a ip xfrm state list
