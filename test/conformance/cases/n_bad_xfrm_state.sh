# Refused ip xfrm state commands (unknown algorithms, wrong key lengths, missing parts, duplicates, absent states, bad ids) with their messages and exit codes; after each failure the state list is unchanged.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
node n
# try CMD... : a command expected to fail, then the listing it must not have changed
try() { x n "$@"; x n ip xfrm state list; }
x n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x100 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode transport
note "X1: algorithm names"
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc aes $K
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" $K auth sha1 $A
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" $K auth "hmac(sha512)" $A
try ip xfrm state add dst 4321::2 proto esp spi 0x101 aead "rfc4106(gcm(aes))" 0x0011223344556677889900112233445566778899 64
try ip xfrm state add dst 4321::2 proto esp spi 0x101 aead "gcm(aes)" 0x0011223344556677889900112233445566778899 128
note "X2: key lengths"
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" 0x00112233445566778899aabbccddee
try ip xfrm state add dst 4321::2 proto esp spi 0x101 aead "rfc4106(gcm(aes))" $K 128
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" 0x0011
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" $K auth-trunc "hmac(sha256)" $A 300
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" $K auth-trunc "hmac(sha1)" $A 0
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" 0x0011223344556677889
note "X3: missing or malformed parts"
try ip xfrm state add dst 4321::2 proto esp enc "cbc(aes)" $K
try ip xfrm state add dst 4321::2 proto esp spi 0x101
try ip xfrm state add dst 4321::2 proto esp spi zz enc "cbc(aes)" $K
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" $K reqid
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" $K replay-window x
try ip xfrm state add dst 4321::2 proto esp spi 0x101 enc "cbc(aes)" $K sel src 4321::1 dst 10.0.0.1
try ip xfrm state add src 4321::1 dst 10.0.0.2 proto esp spi 0x101 enc "cbc(aes)" $K
try ip xfrm state add dst 4321::2 proto tcp spi 0x101 enc "cbc(aes)" $K
note "X4: duplicates, absent states, updates"
try ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x100 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode transport
try ip xfrm state add src 4321::5 dst 4321::2 proto esp spi 0x100 enc "cbc(aes)" $K
try ip xfrm state update src 4321::1 dst 4321::2 proto esp spi 0x102 enc "cbc(aes)" $K
try ip xfrm state delete dst 4321::2 proto ah spi 0x100
try ip xfrm state delete dst 4321::3 proto esp spi 0x100
try ip xfrm state get dst 4321::2 proto esp spi 0x100 mark 1
try ip xfrm state deleteall proto ah
try ip xfrm state update src 4321::1 dst 4321::2 proto esp spi 0x100 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode tunnel
x n ip xfrm state count
