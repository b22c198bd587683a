# State management commands: get (with and without src, and of a missing SA), count, listing filters, deleteall filtered by proto, reqid, dst or spi, delete by id (twice), flush by proto and flush.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
pair a b
for i in 1 2 3 4 5 6; do
  x a ip xfrm state add src 4321::1 dst 4321::$((i % 3 + 2)) proto esp spi $((0x300 + i)) reqid $((i % 2 + 1)) enc "cbc(aes)" $K mode transport
  x a ip xfrm state add src 4321::1 dst 4321::$((i % 3 + 2)) proto ah spi $((0x310 + i)) reqid $((i % 2 + 1)) auth "hmac(sha1)" $A mode tunnel
done
note "C1: count, get, listing filters"
x a ip xfrm state count
x a ip xfrm state get src 4321::1 dst 4321::3 proto esp spi 0x301
x a ip xfrm state get dst 4321::3 proto esp spi 0x301
x a ip xfrm state get src 4321::9 dst 4321::3 proto esp spi 0x301
x a ip xfrm state get src 4321::1 dst 4321::3 proto esp spi 0x302
x a ip xfrm state get src 4321::1 dst 4321::3 proto ah spi 0x311
x a sh -c 'ip xfrm state list proto ah | grep -c "^src"'
x a sh -c 'ip xfrm state list dst 4321::2 | grep -c "^src"'
x a sh -c 'ip xfrm state list reqid 2 | grep -c "^src"'
x a sh -c 'ip xfrm state list mode tunnel | grep -c "^src"'
x a sh -c 'ip xfrm state list spi 0x305 | grep -c "^src"'
note "C2: deleteall with filters"
x a ip xfrm state deleteall proto ah reqid 1
x a ip xfrm state count
x a ip xfrm state deleteall dst 4321::4
x a ip xfrm state count
x a ip xfrm state deleteall spi 0x302
x a ip xfrm state list
note "C3: delete by id, a second delete, flush proto esp, flush"
x a ip xfrm state delete src 4321::1 dst 4321::3 proto esp spi 0x304
x a ip xfrm state delete src 4321::1 dst 4321::3 proto esp spi 0x304
x a ip xfrm state flush proto esp
x a ip xfrm state list
x a ip xfrm state flush
x a ip xfrm state count
x a ip xfrm state list
