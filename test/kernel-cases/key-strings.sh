# key-strings: what `ip xfrm state add` prints for key strings iproute2 must refuse or read oddly.
# Run: ../shared/oracle/uml-run test/kernel-cases/key-strings.sh OUTDIR
set -u
ip netns add a
for key in 0x12zz 0x1 0x 1234567890123456 0x00112233445566778899aabbccddeeff0; do
  echo "### enc cbc(aes) $key"
  ip -n a xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x300 enc 'cbc(aes)' "$key"; echo "rc=$?"
  ip -n a xfrm state flush
done
echo "### esp with auth only"
ip -n a xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x301 auth 'hmac(sha1)' 1234; echo "rc=$?"
