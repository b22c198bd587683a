# Overlapping prefixes /0, /64 and /128 (on dst and on src) under different priority orders: the smallest priority number decides, not the longest prefix.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
esp_pair() { local n; for n in $1 $2; do
  x $n ip xfrm state add dst 4321::2 proto esp spi 0x120 enc "cbc(aes)" $K mode transport
  x $n ip xfrm state add dst 4321::3 proto esp spi 0x121 enc "cbc(aes)" $K mode transport; done; }
ESP=(tmpl proto esp mode transport)
hosts() { pair $1 $2; addr $2 eth0 4321::3/64; esp_pair $1 $2; }

note "F1: ::/0 block (100), 4321::/64 ESP (50), 4321::2/128 allow (10): 4321::2 plaintext, 4321::3 ESP"
hosts a1 b1; cap pfx_F1 b1 eth0
x a1 ip xfrm policy add dst ::/0 proto ipv6-icmp type 128 dir out priority 100 action block
x a1 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 50 "${ESP[@]}"
x a1 ip xfrm policy add dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 10
pingt a1 4321::2
pingt a1 4321::3
capstop; xstat F1 a1 b1

note "F2: the same selectors, priorities reversed (/0 block 10, /64 ESP 50, /128 allow 100): both blocked"
hosts a2 b2
x a2 ip xfrm policy add dst ::/0 proto ipv6-icmp type 128 dir out priority 10 action block
x a2 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 50 "${ESP[@]}"
x a2 ip xfrm policy add dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 100
pingt a2 4321::2
pingt a2 4321::3
xstat F2 a2 b2

note "F3: /64 ESP priority 50, /0 block priority 60, /128 allow priority 70: ESP to both"
hosts a3 b3; cap pfx_F3 b3 eth0
x a3 ip xfrm policy add dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 70
x a3 ip xfrm policy add dst ::/0 proto ipv6-icmp type 128 dir out priority 60 action block
x a3 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 50 "${ESP[@]}"
pingt a3 4321::2
pingt a3 4321::3
capstop; xstat F3 a3 b3

note "F4: src prefixes: src ::/0 ESP (30), src 4321::/64 block (20), src 4321::1/128 allow (40)"
hosts a4 b4
x a4 ip xfrm policy add src ::/0 dst 4321::/64 proto ipv6-icmp type 128 dir out priority 30 "${ESP[@]}"
x a4 ip xfrm policy add src 4321::/64 dst 4321::/64 proto ipv6-icmp type 128 dir out priority 20 action block
x a4 ip xfrm policy add src 4321::1/128 dst 4321::/64 proto ipv6-icmp type 128 dir out priority 40
pingt a4 4321::2
x a4 ip xfrm policy delete src 4321::/64 dst 4321::/64 proto ipv6-icmp type 128 dir out
pingt a4 4321::2
x a4 ip xfrm policy list
xstat F4 a4 b4

note "F5: src /128 and dst /128 (exact) block at priority 5 versus ::/0 to ::/0 allow at priority 4"
hosts a5 b5; cap pfx_F5 b5 eth0
x a5 ip xfrm policy add src 4321::1/128 dst 4321::2/128 dir out priority 5 action block
x a5 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 128 dir out priority 4
pingt a5 4321::2
x a5 ip xfrm policy update src ::/0 dst ::/0 proto ipv6-icmp type 128 dir out priority 6
pingt a5 4321::2
pingt a5 4321::3
capstop; xstat F5 a5 b5
