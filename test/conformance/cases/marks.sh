# Marks: an out policy with a mark applies only to marked packets (ping -m), the policy's mark selects the state's mark; an inbound state with a mark is found only once PREROUTING marks the ESP packet.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
note "M1: out policy and state with mark 7: marked echo is ESP, unmarked echo plaintext"
pair a1 b1; cap mark_M1 b1 eth0
x a1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 7 tmpl proto esp mode transport
x a1 ip xfrm state add dst 4321::2 proto esp spi 0x500 enc "cbc(aes)" $K mode transport mark 7
x b1 ip xfrm state add dst 4321::2 proto esp spi 0x500 enc "cbc(aes)" $K mode transport
x a1 ip xfrm policy list
x a1 ip xfrm state list
pingt a1 4321::2 -m 7
pingt a1 4321::2
capstop; xstat M1 a1 b1; sastat a1 b1

note "M2: policy mark 7, state mark 8 mask 0xff: no usable state"
pair a2 b2
x a2 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out mark 7 tmpl proto esp mode transport
x a2 ip xfrm state add dst 4321::2 proto esp spi 0x500 enc "cbc(aes)" $K mode transport mark 8 mask 0xff
pingt a2 4321::2 -m 7
xstat M2 a2 b2

note "M3: receiver's state has mark 5: not found until mangle PREROUTING marks ESP packets 5"
pair a3 b3; cap mark_M3 b3 eth0
x a3 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a3 ip xfrm state add dst 4321::2 proto esp spi 0x500 enc "cbc(aes)" $K mode transport
x b3 ip xfrm state add dst 4321::2 proto esp spi 0x500 enc "cbc(aes)" $K mode transport mark 5
pingt a3 4321::2
xstat M3a a3 b3
x b3 ip6tables -t mangle -A PREROUTING -p esp -j MARK --set-mark 5
pingt a3 4321::2
# The rule's counters only: the chain's policy counters also count neighbour discovery, whose
# amount (NUD probes) follows how long the commands took.
x b3 sh -c 'ip6tables -t mangle -L PREROUTING -v -n -x | tail -n +3'
capstop; xstat M3b a3 b3; sastat b3
