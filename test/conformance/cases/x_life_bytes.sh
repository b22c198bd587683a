# Byte limits: which bytes count (the packet before the transform on output, the decapsulated packet on input), soft and hard byte limits on both sides with echoes of chosen sizes, and limits of 0 meaning none.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
SA=(dst 4321::2 proto esp spi 0x250 enc "cbc(aes)" $K mode transport)
life() { local v; v=$(ip netns exec $1 ip -s xfrm state | grep -E 'spi|limit:|\(packets\)$' | tr -s ' \t' ' ')
  echo "--- lifetimes [$1]: $v"; printf 'LIFE\t[%s]\t%s\n' "$1" "$(printf '%s' "$v" | tr '\n' '|')" >> "$OUT/results.txt"; }
mk() { pair $1 $2
  x $1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport; }

note "B1: sender byte-hard 150; echoes of 56, 56 and 16 data bytes"
mk a1 b1; cap by_B1 b1 eth0
x a1 ip xfrm state add "${SA[@]}" limit byte-hard 150
x b1 ip xfrm state add "${SA[@]}"
pingt a1 4321::2; life a1
pingt a1 4321::2; life a1
pingt a1 4321::2 -s 16; life a1
capstop; xstat B1 a1 b1

note "B2: sender byte-soft 100 byte-hard 1000; echoes of 100 and 200 data bytes"
mk a2 b2
x a2 ip xfrm state add "${SA[@]}" limit byte-soft 100 limit byte-hard 1000
x b2 ip xfrm state add "${SA[@]}"
pingt a2 4321::2 -s 100; life a2
pingt a2 4321::2 -s 200; life a2
pingt a2 4321::2 -s 200; life a2
pingt a2 4321::2 -s 200; life a2
xstat B2 a2 b2

note "B3: receiver byte-soft 50 byte-hard 130; echoes of 56, 56, 56 data bytes"
mk a3 b3
x a3 ip xfrm state add "${SA[@]}"
x b3 ip xfrm state add "${SA[@]}" limit byte-soft 50 limit byte-hard 130
for i in 1 2 3; do pingt a3 4321::2; life b3; done
xstat B3 a3 b3

note "B4: limits of 0 on a tunnel SA"
mk a4 b4
x a4 ip xfrm policy update dst 4321::2 proto ipv6-icmp type 128 dir out tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
x a4 ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x251 enc "cbc(aes)" $K mode tunnel limit byte-hard 0 limit packet-hard 0
x b4 ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x251 enc "cbc(aes)" $K mode tunnel
pingt a4 4321::2 -s 10; pingt a4 4321::2 -s 10
life a4; life b4; xstat B4 a4 b4
