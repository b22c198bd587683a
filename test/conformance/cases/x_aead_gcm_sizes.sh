# rfc4106(gcm(aes)) with 128-, 192- and 256-bit keys (each plus the 4-byte salt) crossed with ICVs of 64, 96 and 128 bits, in transport and tunnel mode; wrong key lengths are refused.
. ./lib.sh
S=01020304
K16=0x00112233445566778899aabbccddeeff$S
K24=0x00112233445566778899aabbccddeeff0011223344556677$S
K32=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff$S
pair a b; cap gcmsz b eth0
spi=0x180
for mode in transport tunnel; do
  if [ $mode = tunnel ]; then T=(src 4321::1 dst 4321::2); else T=(); fi
  q a ip xfrm policy flush
  x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl "${T[@]}" proto esp mode $mode
  for key in $K16 $K24 $K32; do for icv in 64 96 128; do
    spi=$((spi + 1)); note "G $mode spi $spi: key $(( (${#key} - 10) * 4 )) bits, ICV $icv"
    for n in a b; do q $n ip xfrm state flush
      x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi $spi aead "rfc4106(gcm(aes))" $key $icv mode $mode; done
    pingt a 4321::2
  done; done
done
capstop; xstat gcmsz a b; sastat b
note "G bad: keys of 17, 28 and 40 bytes; ICV 0 and 192"
x a ip xfrm state add dst 4321::9 proto esp spi 0x1f1 aead "rfc4106(gcm(aes))" 0x00112233445566778899aabbccddeeff01 128 mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1f2 aead "rfc4106(gcm(aes))" 0x00112233445566778899aabbccddeeff00112233445566778899aabb 128 mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1f3 aead "rfc4106(gcm(aes))" ${K32}0011223344556677 128 mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1f4 aead "rfc4106(gcm(aes))" $K16 0 mode transport
x a ip xfrm state add dst 4321::9 proto esp spi 0x1f5 aead "rfc4106(gcm(aes))" $K16 192 mode transport
x a ip xfrm state count
