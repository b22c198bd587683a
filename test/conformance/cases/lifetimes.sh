# SA limits: a packet-hard limit expires the SA on output after two packets, a hard time limit deletes it after the time passes, and an output sequence number about to wrap stops the SA.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
note "L1: sender SA limit packet-hard 2: two echoes pass, the third expires the SA, the fourth finds none"
pair a1 b1; cap life_L1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a1 ip xfrm state add dst 4321::2 proto esp spi 0xc01 enc "cbc(aes)" $K mode transport limit packet-hard 2
x b1 ip xfrm state add dst 4321::2 proto esp spi 0xc01 enc "cbc(aes)" $K mode transport
for i in 1 2 3 4; do pingt a1 4321::2; done
x a1 ip xfrm state list
capstop; xstat L1 a1 b1

note "L2: receiver SA limit packet-hard 1: the second ESP packet is refused and the SA deleted"
pair a2 b2
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a2 ip xfrm state add dst 4321::2 proto esp spi 0xc02 enc "cbc(aes)" $K mode transport
x b2 ip xfrm state add dst 4321::2 proto esp spi 0xc02 enc "cbc(aes)" $K mode transport limit packet-hard 1
for i in 1 2 3; do pingt a2 4321::2; done
x b2 ip xfrm state list
xstat L2 a2 b2

note "L3: sender SA limit time-hard 4: used at once, gone after 6 s"
pair a3 b3
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x b3 ip xfrm state add dst 4321::2 proto esp spi 0xc03 enc "cbc(aes)" $K mode transport
x a3 ip xfrm state add dst 4321::2 proto esp spi 0xc03 enc "cbc(aes)" $K mode transport limit time-hard 4
pingt a3 4321::2
sleep 6
x a3 ip xfrm state list
pingt a3 4321::2
xstat L3 a3 b3

note "L4: sender replay-oseq 0xfffffffe: one packet with seq 0xffffffff, then the sequence would wrap"
pair a4 b4; cap life_L4 b4 eth0
x a4 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a4 ip xfrm state add dst 4321::2 proto esp spi 0xc04 enc "cbc(aes)" $K mode transport replay-oseq 0xfffffffe
x b4 ip xfrm state add dst 4321::2 proto esp spi 0xc04 enc "cbc(aes)" $K mode transport
for i in 1 2 3; do pingt a4 4321::2; done
capstop; xstat L4 a4 b4; sastat a4
