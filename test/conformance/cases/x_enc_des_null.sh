# ESP ciphers besides AES: cbc(des3_ede) and cbc(des) with HMACs, and the null cipher (ecb(cipher_null)) with and without authentication; how a key of the wrong size or an empty key is taken.
. ./lib.sh
D24=0x0123456789abcdeffedcba987654321089abcdef01234567
D8=0x0123456789abcdef
A20=0x0123456789abcdef0123456789abcdef01234567
A32=0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
pair a b; cap desnull b eth0
x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
spi=0x1b0
for spec in "cbc(des3_ede) $D24 hmac(sha1) $A20" "cbc(des3_ede) $D24 hmac(sha256) $A32" "cbc(des) $D8 hmac(sha1) $A20" "cipher_null - hmac(sha1) $A20" "ecb(cipher_null) - hmac(sha256) $A32"; do
  set -- $spec; spi=$((spi + 1)); note "D spi $spi: $1 + $3"
  ek=$2; [ "$ek" = - ] && ek=""
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto esp spi $spi enc "$1" "$ek" auth "$3" $4 mode transport; done
  pingt a 4321::2
done
note "D null: cipher_null without authentication"
spi=$((spi + 1))
for n in a b; do q $n ip xfrm state flush
  x $n ip xfrm state add dst 4321::2 proto esp spi $spi enc cipher_null "" mode transport; done
x b ip xfrm state list
pingt a 4321::2
capstop; xstat desnull a b; sastat b
note "D bad keys: des3_ede with 16 bytes, des with 7, cipher_null with 0x and with a 4-byte key"
x a ip xfrm state add dst 4321::9 proto esp spi 0x1bf enc "cbc(des3_ede)" 0x0123456789abcdef0123456789abcdef mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1bf enc "cbc(des)" 0x0123456789abcd mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1bf enc cipher_null 0x mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1bf enc cipher_null 0x01020304 mode transport
x a ip xfrm state list
