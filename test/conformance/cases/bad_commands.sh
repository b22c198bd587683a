# Bad ip xfrm commands and what iproute2 or the kernel answers: missing or repeated words, invalid values, words out of order, impossible algorithms and templates, missing objects, duplicates.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
node n
note "policy grammar"
x n ip xfrm policy add src 4321::1 dst 4321::2
x n ip xfrm policy add dst 4321::2 dir sideways
x n ip xfrm policy add dst 4321::2 dir out dir in
x n ip xfrm policy add src 4321::1 dst 10.0.0.1 dir out
x n ip xfrm policy add dst 4321::/129 dir out
x n ip xfrm policy add dst 4321::2 proto tcp type 3 dir out
x n ip xfrm policy add dst 4321::2 proto ipv6-icmp sport 80 dir out
x n ip xfrm policy add dst 4321::2 dir out tmpl
x n ip xfrm policy add dst 4321::2 dir out action bl
x n ip xfrm policy add dst 4321::2 dir o
x n ip xfrm policy add src 4321::1 dir out proto tcp
x n ip xfrm policy add dst 4321::2 dir out foo
x n ip xfrm policy add dst 4321::2 dir out tmpl proto ah mode transport spi 5
x n ip xfrm policy add dst 4321::2 dir out tmpl proto ah level sometimes
x n ip xfrm policy add dst 4321::2 dir out ptype other
note "policy rejected by the kernel"
x n ip xfrm policy add dst 4321::2 dir out tmpl mode tunnel
x n ip xfrm policy add dst 4321::2 dir out index 10
x n ip xfrm policy add dst 4321::2 dir out tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp
x n ip xfrm policy get dst 4321::2 dir out
x n ip xfrm policy delete dst 4321::2 dir out
note "state grammar"
x n ip xfrm state add dst 4321::2 spi 1 enc "cbc(aes)" $K
x n ip xfrm state add
x n ip xfrm state add enc "cbc(aes)" $K
x n ip xfrm state add dst 4321::2 proto esp spi 1 enc "cbc(aes)"
x n ip xfrm state add dst 4321::2 proto esp spi 1 auth "hmac(sha1)" $A
x n ip xfrm state add dst 4321::2 proto ah spi 1 enc "cbc(aes)" $K
x n ip xfrm state add dst 4321::2 proto ah spi 1 mode transport
x n ip xfrm state add dst 4321::2 proto ah spi 1 auth "hmac(sha1)" $A auth "hmac(sha1)" $A
x n ip xfrm state add dst 4321::2 proto ah spi 1 auth "hmac(sha1)" $A mode beet
x n ip xfrm state add dst 4321::2 proto esp spi 1 enc "cbc(aes)" $K bogus
x n ip xfrm state add dst 4321::2 proto esp spi 1 enc "cbc(aes)" 0x12zz
x n ip xfrm state add dst 4321::2 proto esp spi 1 enc "cbc(aes)" $K mode tun
x n ip xfrm state add dst 4321::2 proto esp spi 1 enc "cbc(aes)" $K mode sideways
note "state rejected by the kernel"
x n ip xfrm state add dst 4321::2 proto ah spi 1 auth "hmac(nope)" $A
x n ip xfrm state add dst 4321::2 proto esp spi 1 enc "cbc(nope)" $K
x n ip xfrm state add dst 4321::2 proto esp spi 1 enc "cbc(aes)" 12345
x n ip xfrm state add dst 4321::2 proto ah spi 1 auth-trunc "hmac(sha1)" $A 200
x n ip xfrm state add dst 4321::2 proto esp spi 2 enc "cbc(aes)" $K
x n ip xfrm state add dst 4321::2 proto esp spi 2 enc "cbc(aes)" $K
x n ip xfrm state get dst 4321::2 proto esp spi 99
x n ip xfrm state delete dst 4321::2 proto esp spi 99
note "other objects and commands"
x n ip xfrm policy setdefault out allow
x n ip xfrm policy dst 4321::2
x n ip xfrm state foo
x n ip xfrm bogus
x n ip xfrm state list
x n ip xfrm policy list
