# rfc4543(gcm(aes)) (GMAC: ESP with integrity only) with 128/192/256-bit keys, and rfc7539esp(chacha20,poly1305); the ICV and key lengths each refuses.
. ./lib.sh
S=01020304
K16=0x00112233445566778899aabbccddeeff$S
K24=0x00112233445566778899aabbccddeeff0011223344556677$S
K32=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff$S
pair a b; cap gmac b eth0
x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
spi=0x1a0
for spec in "rfc4543(gcm(aes)) $K16" "rfc4543(gcm(aes)) $K24" "rfc4543(gcm(aes)) $K32" "rfc7539esp(chacha20,poly1305) $K32"; do
  set -- $spec; spi=$((spi + 1)); note "M spi $spi: $1 key $(( (${#2} - 2) / 2 )) bytes"
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto esp spi $spi aead "$1" $2 128 mode transport; done
  x b ip xfrm state list
  pingt a 4321::2
done
capstop; xstat gmac a b; sastat b
note "M bad: GMAC with ICV 96 and 64; chacha20-poly1305 with ICV 96, a 16-byte key, no salt"
x a ip xfrm state add dst 4321::9 proto esp spi 0x1af aead "rfc4543(gcm(aes))" $K16 96 mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1af aead "rfc4543(gcm(aes))" $K16 64 mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1af aead "rfc7539esp(chacha20,poly1305)" $K32 96 mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1af aead "rfc7539esp(chacha20,poly1305)" $K16 128 mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1af aead "rfc7539esp(chacha20,poly1305)" 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 128 mode transport
