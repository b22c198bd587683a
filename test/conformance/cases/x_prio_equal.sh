# Equal priorities: two exact (/128 to /128) out policies tie by age, and an exact policy against an inexact one of the same priority, in both orders of insertion.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
esp_pair() { x $1 ip xfrm state add dst 4321::2 proto esp spi 0x110 enc "cbc(aes)" $K mode transport
  x $2 ip xfrm state add dst 4321::2 proto esp spi 0x110 enc "cbc(aes)" $K mode transport; }
ESP=(tmpl proto esp mode transport)

note "E1: two exact policies, priority 10: ESP (echo requests) added before block (all ICMPv6): ESP wins"
pair a1 b1; cap eq_E1 b1 eth0; esp_pair a1 b1
x a1 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out priority 10 "${ESP[@]}"
x a1 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp dir out priority 10 action block
pingt a1 4321::2
capstop; xstat E1 a1 b1

note "E2: the same two exact policies added the other way round: block wins"
pair a2 b2; esp_pair a2 b2
x a2 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp dir out priority 10 action block
x a2 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out priority 10 "${ESP[@]}"
x a2 ip xfrm policy list
pingt a2 4321::2
xstat E2 a2 b2

note "E3: exact ESP policy added first, inexact /64 block policy second, both priority 10"
pair a3 b3; cap eq_E3 b3 eth0; esp_pair a3 b3
x a3 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out priority 10 "${ESP[@]}"
x a3 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 10 action block
pingt a3 4321::2
capstop; xstat E3 a3 b3

note "E4: inexact /64 block policy added first, exact ESP policy second, both priority 10"
pair a4 b4; cap eq_E4 b4 eth0; esp_pair a4 b4
x a4 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 10 action block
x a4 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out priority 10 "${ESP[@]}"
pingt a4 4321::2
capstop; xstat E4 a4 b4

note "E5: exact ESP policy priority 20, inexact block priority 19: the inexact one wins by one"
pair a5 b5; esp_pair a5 b5
x a5 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out priority 20 "${ESP[@]}"
x a5 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 19 action block
pingt a5 4321::2
xstat E5 a5 b5

note "E6: three inexact policies at priority 7 (/64 block, /96 ESP, /120 allow), added in that order"
pair a6 b6; cap eq_E6 b6 eth0; esp_pair a6 b6
x a6 ip xfrm policy add dst 4321::/120 proto ipv6-icmp type 128 dir out priority 8 action block
x a6 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 7 action block
x a6 ip xfrm policy add dst 4321::/96 proto ipv6-icmp type 128 dir out priority 7 "${ESP[@]}"
x a6 ip xfrm policy add dst 4321::/112 proto ipv6-icmp type 128 dir out priority 7
x a6 ip xfrm policy list
pingt a6 4321::2
x a6 ip xfrm policy delete dst 4321::/64 proto ipv6-icmp type 128 dir out
pingt a6 4321::2
x a6 ip xfrm policy delete dst 4321::/96 proto ipv6-icmp type 128 dir out
pingt a6 4321::2
capstop; xstat E6 a6 b6
