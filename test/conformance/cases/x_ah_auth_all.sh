# AH with every HMAC the kernel has (md5, sha1, sha256, sha384, sha512, rmd160), in transport and in tunnel mode; the AH length on the wire for each; a key of the wrong length is still accepted for HMAC.
. ./lib.sh
A16=0x0f0e0d0c0b0a09080706050403020100
A20=0x0123456789abcdef0123456789abcdef01234567
A32=0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
A48=${A32}fedcba9876543210fedcba9876543210
A64=${A32}${A32#0x}
pair a b; cap ahall b eth0
spi=0x170
for mode in transport tunnel; do
  if [ $mode = tunnel ]; then T=(src 4321::1 dst 4321::2); else T=(); fi
  q a ip xfrm policy flush
  x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl "${T[@]}" proto ah mode $mode
  for auth in "hmac(md5) $A16" "hmac(sha1) $A20" "hmac(sha256) $A32" "hmac(sha384) $A48" "hmac(sha512) $A64" "hmac(rmd160) $A20" "hmac(sha256) $A16" "hmac(sha1) $A64"; do
    set -- $auth; spi=$((spi + 1)); note "AH $mode spi $spi: $1 key $(( (${#2} - 2) / 2 )) bytes"
    for n in a b; do q $n ip xfrm state flush
      x $n ip xfrm state add src 4321::1 dst 4321::2 proto ah spi $spi auth "$1" $2 mode $mode; done
    pingt a 4321::2
  done
done
capstop; xstat ahall a b; sastat b
