# output-mark on states: the ESP packet leaves with the SA's output-mark (merged under its mask into the plain packet's mark), visible to -m mark rules in OUTPUT and POSTROUTING; on input the SA's output-mark marks the decapsulated packet, which an in policy with that mark then matches.
. ./lib.sh
. ./n_lib.bash
K=0x00112233445566778899aabbccddeeff
# settle: the MLD reports that follow a new address leave within about 1 s. Waiting lets them go
# before the policies and rules below exist, as under the kernel, where the commands take that long.
settle() { sleep 1.2; }
# markrules NS : count-only rules in mangle POSTROUTING and filter OUTPUT for ESP and ICMPv6 by mark
markrules() { local tc m p; for tc in mangle/POSTROUTING filter/OUTPUT; do
  for p in esp ipv6-icmp; do for m in 0x20 0x1255 0x55 0x0; do
    q "$1" ip6tables -t "${tc%/*}" -A "${tc#*/}" -p "$p" -m mark --mark "$m"; done; done; done; }
note "O1: state output-mark 0x20: the echo leaves unmarked, its ESP packet carries 0x20"
pair a1 b1; settle
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a1 ip xfrm state add dst 4321::2 proto esp spi 0x700 enc "cbc(aes)" $K mode transport output-mark 0x20
x b1 ip xfrm state add dst 4321::2 proto esp spi 0x700 enc "cbc(aes)" $K mode transport
x a1 ip xfrm state list
markrules a1
pingt a1 4321::2
nf a1 mangle POSTROUTING; nf a1 filter OUTPUT; xstat O1 a1 b1

note "O2: output-mark 0x55 mask 0xff on a packet marked 0x1200 (ping -m 4608): the ESP packet carries 0x1255"
pair a2 b2; settle
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 0x1200 tmpl proto esp mode transport
x a2 ip xfrm state add dst 4321::2 proto esp spi 0x701 enc "cbc(aes)" $K mode transport mark 0x1200 output-mark 0x55 mask 0xff
x b2 ip xfrm state add dst 4321::2 proto esp spi 0x701 enc "cbc(aes)" $K mode transport
x a2 ip xfrm state list
markrules a2
pingt a2 4321::2 -m 4608
nf a2 mangle POSTROUTING; nf a2 filter OUTPUT; xstat O2 a2 b2

note "O3: tunnel mode with output-mark 0x20: the outer packet carries the mark"
pair a3 b3; settle; cap omark_O3 b3 eth0
x a3 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
x a3 ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x702 enc "cbc(aes)" $K mode tunnel output-mark 0x20
x b3 ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x702 enc "cbc(aes)" $K mode tunnel
x b3 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
markrules a3
pingt a3 4321::2
capstop; nf a3 mangle POSTROUTING; xstat O3 a3 b3

note "O4: receiver's state output-mark 0x30: the decapsulated echo is marked 0x30 in INPUT and matches only an in policy with mark 0x30"
pair a4 b4; settle
x a4 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a4 ip xfrm state add dst 4321::2 proto esp spi 0x703 enc "cbc(aes)" $K mode transport
x b4 ip xfrm state add dst 4321::2 proto esp spi 0x703 enc "cbc(aes)" $K mode transport output-mark 0x30
x b4 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir in mark 0x30 tmpl proto ah mode transport
q b4 ip6tables -A INPUT -p ipv6-icmp -m mark --mark 0x30
q b4 ip6tables -A INPUT -p ipv6-icmp -m mark --mark 0
q b4 ip6tables -A INPUT -p esp -m mark --mark 0x30
pingt a4 4321::2
xstat O4a a4 b4
x b4 ip xfrm policy update dst 4321::2 proto ipv6-icmp type 128 dir in mark 0x30 tmpl proto esp mode transport
pingt a4 4321::2
nf b4 filter INPUT; xstat O4b a4 b4
