# The algorithm matrix on one link: ESP with cbc(aes) 128/192/256 crossed with hmac(md5), hmac(sha1), hmac(sha256), hmac(sha512), then AH with each auth algorithm, by default and with auth-trunc; the capture shows each packet's length.
. ./lib.sh
E16=0x00112233445566778899aabbccddeeff
E24=0x00112233445566778899aabbccddeeff0011223344556677
E32=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
pair a b; cap matrix b eth0
x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
spi=0x800
for enc in $E16 $E24 $E32; do for auth in "hmac(md5)" "hmac(sha1)" "hmac(sha256)" "hmac(sha512)"; do
  spi=$((spi + 1)); note "ESP spi $spi: cbc(aes) $(( (${#enc} - 2) * 4 )) bits + $auth"
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto esp spi $spi enc "cbc(aes)" $enc auth "$auth" $A mode transport; done
  pingt a 4321::2
done; done
sastat b
x a ip xfrm policy update dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
for alg in "auth hmac(md5)" "auth hmac(sha1)" "auth hmac(sha256)" "auth hmac(sha512)" "auth-trunc hmac(sha256) 128" "auth-trunc hmac(sha1) 160" "auth-trunc hmac(sha512) 512"; do
  set -- $alg; spi=$((spi + 1)); note "AH spi $spi: $alg"
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto ah spi $spi $1 "$2" $A ${3:-} mode transport; done
  x b ip xfrm state list
  pingt a 4321::2
done
capstop; xstat matrix a b; sastat b
