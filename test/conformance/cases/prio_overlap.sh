# Which out policy wins when selectors overlap: the smallest priority number, whatever the prefix lengths; an exception with a smaller number bypasses an ESP policy; at equal priority the older inexact policy, and the exact-versus-inexact tie.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
esp_pair() { x $1 ip xfrm state add dst 4321::2 proto esp spi 0x100 enc "cbc(aes)" $K mode transport
  x $2 ip xfrm state add dst 4321::2 proto esp spi 0x100 enc "cbc(aes)" $K mode transport; }

note "P1: /64 ESP policy (priority 10) and /128 block policy (priority 20) both match: the /64 one wins"
pair a1 b1; cap prio_P1 b1 eth0; esp_pair a1 b1
x a1 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 10 tmpl proto esp mode transport
x a1 ip xfrm policy add dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 20 action block
pingt a1 4321::2
capstop; xstat P1 a1 b1; sastat b1

note "P2: the same, but the /128 block policy has priority 5: it wins, the echo is not sent"
pair a2 b2; esp_pair a2 b2
x a2 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 10 tmpl proto esp mode transport
x a2 ip xfrm policy add dst 4321::2/128 proto ipv6-icmp type 128 dir out priority 5 action block
pingt a2 4321::2
xstat P2 a2 b2

note "P3: catch-all ICMPv6 ESP policy (priority 100) with an allow exception for echo requests (priority 50): plaintext"
pair a3 b3; cap prio_P3 b3 eth0; esp_pair a3 b3
x a3 ip xfrm policy add dst 4321::/64 proto ipv6-icmp dir out priority 100 tmpl proto esp mode transport
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out priority 50
x a3 ip xfrm policy list dir out
pingt a3 4321::2
capstop; xstat P3 a3 b3

note "P4: two inexact policies with equal priority: the one added first (ESP) wins over the later block"
pair a4 b4; cap prio_P4 b4 eth0; esp_pair a4 b4
x a4 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out priority 10 tmpl proto esp mode transport
x a4 ip xfrm policy add dst 4321::/112 proto ipv6-icmp type 128 dir out priority 10 action block
pingt a4 4321::2
capstop; xstat P4 a4 b4

note "P5: exact /128 block policy, then an inexact ESP policy, both priority 0; the inexact one is the first of its list"
pair a5 b5; cap prio_P5 b5 eth0; esp_pair a5 b5
x a5 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out action block
x a5 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
pingt a5 4321::2
capstop; xstat P5 a5 b5

note "P6: as P5, but another (non-matching) inexact policy was added before: the inexact ESP policy is second in its list"
pair a6 b6; esp_pair a6 b6
x a6 ip xfrm policy add dst 5555::/64 dir out
x a6 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out action block
x a6 ip xfrm policy add dst 4321::/64 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
pingt a6 4321::2
xstat P6 a6 b6
