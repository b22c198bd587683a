# ESP with an AEAD: rfc4106(gcm(aes)) with 128- and 256-bit keys (plus the 4-byte salt) and ICVs of 64, 96 and 128 bits; an ICV length the kernel lacks, and a key without salt.
. ./lib.sh
K20=0x00112233445566778899aabbccddeeff01020304
K36=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff01020304
pair a b; cap gcm b eth0
x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
i=0
for spec in "$K20 128" "$K20 64" "$K20 96" "$K36 128"; do
  set -- $spec; i=$((i+1)); spi=$((0x700 + i))
  note "G$i: rfc4106(gcm(aes)) key of $(( (${#1} - 2) / 2 )) bytes, ICV $2 bits, spi $spi"
  x a ip xfrm state flush
  x b ip xfrm state flush
  x a ip xfrm state add dst 4321::2 proto esp spi $spi aead "rfc4106(gcm(aes))" $1 $2 mode transport
  x b ip xfrm state add dst 4321::2 proto esp spi $spi aead "rfc4106(gcm(aes))" $1 $2 mode transport
  x b ip xfrm state list
  pingt a 4321::2
  sastat b
done
capstop; xstat GCM a b
note "G5: bad AEAD parameters"
x a ip xfrm state add dst 4321::2 proto esp spi 0x7ff aead "rfc4106(gcm(aes))" $K20 100 mode transport
x a ip xfrm state add dst 4321::2 proto esp spi 0x7fe aead "rfc4106(gcm(aes))" 0x00112233445566778899aabbccddeeff 128 mode transport
x a ip xfrm state add dst 4321::2 proto esp spi 0x7fd aead "rfc4106(gcm(aes))" $K20 mode transport
