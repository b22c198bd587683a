# Time limits: time-soft and time-hard after adding, time-use-hard counted from the first use, on the sender and the receiver; what remains listed after each deadline (each check several seconds away from its deadline, so slow commands do not move the result) and what a ping meets then.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
SA=(dst 4321::2 proto esp spi 0x260 enc "cbc(aes)" $K mode transport)
life() { local v; v=$(ip netns exec $1 ip -s xfrm state | grep -E 'spi|expire (add|use)|\(packets\)$' | tr -s ' \t' ' ')
  echo "--- lifetimes [$1]: $v"; printf 'LIFE\t[%s]\t%s\n' "$1" "$(printf '%s' "$v" | tr '\n' '|')" >> "$OUT/results.txt"; }
note "T: sender a1 time-soft 2 time-hard 20; sender a2 time-use-hard 5; receiver b3 time-hard 3"
pair a1 b1; pair a2 b2; pair a3 b3
for n in a1 a2 a3; do x $n ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport; done
x b1 ip xfrm state add "${SA[@]}"
x b2 ip xfrm state add "${SA[@]}"
x a3 ip xfrm state add "${SA[@]}"
x a1 ip xfrm state add "${SA[@]}" limit time-soft 2 limit time-hard 20
x a2 ip xfrm state add "${SA[@]}" limit time-use-hard 5
x b3 ip xfrm state add "${SA[@]}" limit time-hard 3
pingt a1 4321::2 -W 3; pingt a3 4321::2 -W 3
life a1; life a2; life b3
sleep 6
note "T after 6 s: a1 past its soft limit, still used; a2 used for the first time; b3 gone"
pingt a1 4321::2 -W 3
life a1
pingt a2 4321::2 -W 3
x a2 ip xfrm state count
x b3 ip xfrm state count
pingt a3 4321::2
sleep 15
note "T after 21 s: a1 and a2 gone"
x a1 ip xfrm state list
pingt a1 4321::2
x a2 ip xfrm state list
pingt a2 4321::2
xstat T a1 b1 a2 b2 a3 b3
