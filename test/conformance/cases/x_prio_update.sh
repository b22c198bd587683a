# `ip xfrm policy update` changes a policy's priority or action in place: the winner among overlapping policies changes, update of an absent policy adds it, add of an existing selector fails whatever the priority.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
esp_pair() { x $1 ip xfrm state add dst 4321::2 proto esp spi 0x130 enc "cbc(aes)" $K mode transport
  x $2 ip xfrm state add dst 4321::2 proto esp spi 0x130 enc "cbc(aes)" $K mode transport; }
ESP=(tmpl proto esp mode transport)

note "U1: /64 ESP (10) and /128 block (20); update the block policy to priority 5, then to 30"
pair a1 b1; cap upd_U1 b1 eth0; esp_pair a1 b1
x a1 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 10 "${ESP[@]}"
x a1 ip xfrm policy add dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 20 action block
pingt a1 4321::2
x a1 ip xfrm policy update dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 5 action block
x a1 ip xfrm policy list
pingt a1 4321::2
x a1 ip xfrm policy update dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 30 action block
pingt a1 4321::2
capstop; xstat U1 a1 b1

note "U2: update of a policy that does not exist adds it; add of the same selector with another priority fails"
pair a2 b2; esp_pair a2 b2
x a2 ip xfrm policy update dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 3 action block
x a2 ip xfrm policy add dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 9 "${ESP[@]}"
x a2 ip xfrm policy add dst 4321::2/128 proto ipv6-icmp type 128 dir in priority 9 action block
x a2 ip xfrm policy list
pingt a2 4321::2
xstat U2 a2 b2

note "U3: equal priority 10: ESP /64 (older), block /96 (newer); update the ESP policy without changes"
pair a3 b3; cap upd_U3 b3 eth0; esp_pair a3 b3
x a3 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 10 "${ESP[@]}"
x a3 ip xfrm policy add dst 4321::/96 proto ipv6-icmp type 128 dir out priority 10 action block
pingt a3 4321::2
x a3 ip xfrm policy update dst 4321::/64 proto ipv6-icmp type 128 dir out priority 10 "${ESP[@]}"
x a3 ip xfrm policy list
pingt a3 4321::2
capstop; xstat U3 a3 b3

note "U4: update turns the winning ESP policy into a block and back to allow"
pair a4 b4; cap upd_U4 b4 eth0; esp_pair a4 b4
x a4 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out "${ESP[@]}"
pingt a4 4321::2
x a4 ip xfrm policy update dst 4321::2 proto ipv6-icmp type 128 dir out action block
pingt a4 4321::2
x a4 ip xfrm policy update dst 4321::2 proto ipv6-icmp type 128 dir out action allow
x a4 ip xfrm policy get dst 4321::2 proto ipv6-icmp type 128 dir out
pingt a4 4321::2
capstop; xstat U4 a4 b4
