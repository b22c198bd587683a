# Packet limits: soft and hard packet limits on the sender and on the receiver, what `ip -s xfrm state` shows before and after each, the counters raised, and update resetting a dying SA's limits.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
SA=(dst 4321::2 proto esp spi 0x240 enc "cbc(aes)" $K mode transport)
# life NS : the limits, current use and stats of every SA of NS (without the add/use times)
life() { local v; v=$(ip netns exec $1 ip -s xfrm state | grep -E 'spi|limit:|expire (add|use)|\(packets\)$|replay [0-9]+ failed' | tr -s ' \t' ' ')
  echo "--- lifetimes [$1]: $v"; printf 'LIFE\t[%s]\t%s\n' "$1" "$(printf '%s' "$v" | tr '\n' '|')" >> "$OUT/results.txt"; }
note "P1: sender packet-soft 2 packet-hard 4; five echoes"
pair a1 b1; cap pk_P1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a1 ip xfrm state add "${SA[@]}" limit packet-soft 2 limit packet-hard 4
x b1 ip xfrm state add "${SA[@]}"
for i in 1 2 3 4 5; do pingt a1 4321::2; life a1; done
capstop; xstat P1 a1 b1

note "P2: receiver packet-soft 1 packet-hard 3; four echoes"
pair a2 b2
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a2 ip xfrm state add "${SA[@]}"
x b2 ip xfrm state add "${SA[@]}" limit packet-soft 1 limit packet-hard 3
for i in 1 2 3 4; do pingt a2 4321::2; life b2; done
xstat P2 a2 b2

note "P3: soft limit only (packet-soft 1): the SA stays usable after it"
pair a3 b3
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a3 ip xfrm state add "${SA[@]}" limit packet-soft 1
x b3 ip xfrm state add "${SA[@]}"
for i in 1 2 3; do pingt a3 4321::2; done
life a3; xstat P3 a3 b3

note "P4: sender packet-hard 2 reached, then update with packet-hard 5 before the third echo"
pair a4 b4
x a4 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a4 ip xfrm state add "${SA[@]}" limit packet-soft 1 limit packet-hard 2
x b4 ip xfrm state add "${SA[@]}"
pingt a4 4321::2; pingt a4 4321::2
x a4 ip xfrm state update "${SA[@]}" limit packet-hard 5
life a4
pingt a4 4321::2; pingt a4 4321::2
life a4; xstat P4 a4 b4
