# Lookup among 190 generated policies: each ping must hit one specific policy (exact /128, a longer prefix with a smaller priority number, or a bypass), seen on the wire, in the SA counters and the XfrmOutPolBlock counter.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
pair a b; cap many b eth0
for h in 2 3 4 5; do addr b eth0 4321::$h/64; done
for h in 2 3 4 5; do for n in a b; do
  q $n ip xfrm state add dst 4321::$h proto esp spi $((0x140 + h)) enc "cbc(aes)" $K mode transport; done; done
# 120 exact block policies to other hosts, 40 prefixes 4321::N:0/112 (N=1..40), 30 /128 to 4321::1:N
for i in $(seq 1 120); do q a ip xfrm policy add src 4321::1 dst 5000::$i dir out priority 1000 action block; done
for i in $(seq 1 40); do q a ip xfrm policy add dst 4321::$i:0/112 proto ipv6-icmp type 128 dir out priority $((500 + i)) action block; done
for i in $(seq 1 30); do q a ip xfrm policy add dst 4321::1:$i/128 proto ipv6-icmp type 128 dir out priority 50 tmpl proto esp mode transport; done
x a ip xfrm policy count

note "H1: none of the generated policies covers 4321::2: plaintext"
pingt a 4321::2
note "H2: a /64 ESP policy at priority 600: 4321::2 ESP now"
x a ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 600 tmpl proto esp mode transport
pingt a 4321::2
note "H3: exact 4321::1 -> 4321::3 block at priority 599: 4321::3 blocked, 4321::4 ESP"
x a ip xfrm policy add src 4321::1 dst 4321::3 proto ipv6-icmp type 128 dir out priority 599 action block
pingt a 4321::3
pingt a 4321::4
note "H4: 4321::5/128 bypass at priority 601 loses to /64 ESP (600); at 599 it wins"
x a ip xfrm policy add dst 4321::5/128 proto ipv6-icmp type 128 dir out priority 601
pingt a 4321::5
x a ip xfrm policy update dst 4321::5/128 proto ipv6-icmp type 128 dir out priority 599
pingt a 4321::5
x a ip xfrm policy count
x a ip xfrm policy get dst 4321::5/128 proto ipv6-icmp type 128 dir out
capstop; xstat H a b; sastat b
