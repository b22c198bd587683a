# ESP with cbc(aes) 128/192/256 crossed with every HMAC (md5, sha1, sha256, sha384, sha512, rmd160): each combination carries an echo, and the capture shows each packet's length.
. ./lib.sh
E16=0x00112233445566778899aabbccddeeff
E24=0x00112233445566778899aabbccddeeff0011223344556677
E32=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
A16=0x0f0e0d0c0b0a09080706050403020100
A20=0x0123456789abcdef0123456789abcdef01234567
A32=0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
A48=${A32}fedcba9876543210fedcba9876543210
A64=${A32}${A32#0x}
pair a b; cap espauth b eth0
x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
spi=0x150
for enc in $E16 $E24 $E32; do
  for auth in "hmac(md5) $A16" "hmac(sha1) $A20" "hmac(sha256) $A32" "hmac(sha384) $A48" "hmac(sha512) $A64" "hmac(rmd160) $A20"; do
    set -- $auth; spi=$((spi + 1)); note "S$spi: cbc(aes) $(( (${#enc} - 2) * 4 )) bits + $1"
    for n in a b; do q $n ip xfrm state flush
      x $n ip xfrm state add dst 4321::2 proto esp spi $spi enc "cbc(aes)" $enc auth "$1" $2 mode transport; done
    pingt a 4321::2
  done
  x b ip xfrm state list
done
capstop; xstat espauth a b; sastat b
