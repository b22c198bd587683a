# auth-trunc: the truncation lengths the kernel accepts for ESP and AH (down to 64 bits, up to the digest length), those it refuses, and the ICV length each puts on the wire.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A20=0x0123456789abcdef0123456789abcdef01234567
A32=0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
A48=${A32}fedcba9876543210fedcba9876543210
A64=${A32}${A32#0x}
pair a b; cap trunc b eth0
x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
spi=0x160
note "T1: ESP cbc(aes) with auth-trunc"
for spec in "hmac(sha1) $A20 96" "hmac(sha1) $A20 128" "hmac(sha1) $A20 160" "hmac(sha256) $A32 128" "hmac(sha256) $A32 192" "hmac(sha256) $A32 256" "hmac(sha384) $A48 384" "hmac(sha512) $A64 384" "hmac(md5) $A20 64"; do
  set -- $spec; spi=$((spi + 1))
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto esp spi $spi enc "cbc(aes)" $K auth-trunc "$1" $2 $3 mode transport; done
  pingt a 4321::2
done
note "T2: AH with auth-trunc"
x a ip xfrm policy update dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
for spec in "hmac(sha1) $A20 128" "hmac(sha256) $A32 96" "hmac(sha256) $A32 160" "hmac(sha384) $A48 256" "hmac(sha512) $A64 320" "hmac(md5) $A20 128"; do
  set -- $spec; spi=$((spi + 1))
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto ah spi $spi auth-trunc "$1" $2 $3 mode transport; done
  x b ip xfrm state list
  pingt a 4321::2
done
capstop; xstat trunc a b
note "T3: refused or odd truncation lengths"
for spec in "esp hmac(sha1) $A20 168" "esp hmac(sha256) $A32 264" "esp hmac(sha256) $A32 100" "esp hmac(sha256) $A32 32" "esp hmac(sha1) $A20 0" "ah hmac(sha1) $A20 168" "ah hmac(sha256) $A32 100" "ah hmac(sha256) $A32 0"; do
  set -- $spec; spi=$((spi + 1))
  if [ $1 = esp ]; then e=(enc "cbc(aes)" $K); else e=(); fi
  x a ip xfrm state add dst 4321::9 proto $1 spi $spi "${e[@]}" auth-trunc "$2" $3 $4 mode transport
done
x a ip xfrm state list
