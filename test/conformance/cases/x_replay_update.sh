# What `ip xfrm state update` does to replay state: a new replay-oseq on the sender and a new replay-window or replay-seq on the receiver (update keeps a valid SA's replay state), and delete plus add as the way to reset it.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
SA=(dst 4321::2 proto esp spi 0x220 enc "cbc(aes)" $K mode transport)
note "W1: sender at oseq 10; update to replay-oseq 100; receiver window 32"
pair a1 b1; cap upd_W1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a1 ip xfrm state add "${SA[@]}" replay-oseq 10
x b1 ip xfrm state add "${SA[@]}" replay-window 32
pingt a1 4321::2
x a1 ip xfrm state update "${SA[@]}" replay-oseq 100
x a1 ip xfrm state list
pingt a1 4321::2
note "W2: receiver updated to replay-window 4 replay-seq 50"
x b1 ip xfrm state update "${SA[@]}" replay-window 4 replay-seq 50
x b1 ip xfrm state list
pingt a1 4321::2
note "W3: sender deleted and re-added at oseq 5: seq 6 is behind the receiver's top"
x a1 ip xfrm state delete dst 4321::2 proto esp spi 0x220
x a1 ip xfrm state add "${SA[@]}" replay-oseq 5
pingt a1 4321::2
x b1 ip xfrm state list
capstop; xstat W a1 b1; sastat b1

note "W4: update of a state that does not exist; update giving another encryption key"
pair a4 b4
x a4 ip xfrm state update "${SA[@]}"
x a4 ip xfrm state add "${SA[@]}" auth "hmac(sha1)" 0x0123456789abcdef0123456789abcdef01234567
x b4 ip xfrm state add "${SA[@]}" auth "hmac(sha1)" 0x0123456789abcdef0123456789abcdef01234567 replay-window 8
x a4 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
pingt a4 4321::2
x a4 ip xfrm state update dst 4321::2 proto esp spi 0x220 enc "cbc(aes)" 0xffeeddccbbaa99887766554433221100 auth "hmac(sha1)" 0x0123456789abcdef0123456789abcdef01234567 mode transport
x a4 ip xfrm state list
pingt a4 4321::2
xstat W4 a4 b4
