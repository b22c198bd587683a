# rfc4309(ccm(aes)) with 128/192/256-bit keys (plus the 3-byte salt) and ICVs of 64, 96 and 128 bits; ICV lengths and key lengths CCM refuses.
. ./lib.sh
S=a1b2c3
K16=0x00112233445566778899aabbccddeeff$S
K24=0x00112233445566778899aabbccddeeff0011223344556677$S
K32=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff$S
pair a b; cap ccm b eth0
x a ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
spi=0x190
for key in $K16 $K24 $K32; do for icv in 64 96 128; do
  spi=$((spi + 1)); note "C spi $spi: key $(( (${#key} - 8) * 4 )) bits, ICV $icv"
  for n in a b; do q $n ip xfrm state flush
    x $n ip xfrm state add dst 4321::2 proto esp spi $spi aead "rfc4309(ccm(aes))" $key $icv mode transport; done
  pingt a 4321::2
done; done
capstop; xstat ccm a b; sastat b
note "C bad: ICV 32, 80 and 112; a key with a 4-byte salt"
for icv in 32 80 112; do x a ip xfrm state add dst 4321::9 proto esp spi 0x19f aead "rfc4309(ccm(aes))" $K16 $icv mode transport; done
x a ip xfrm state add dst 4321::9 proto esp spi 0x19f aead "rfc4309(ccm(aes))" ${K16}44 128 mode transport
