# Duplicate, old and far-ahead sequence numbers against the wider receive windows, 64 and 128 (x_replay_dup has 0 and 32): the sender's SA is re-created with a chosen replay-oseq before each echo, the receiver's window keeps its state.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
SA=(dst 4321::2 proto esp spi 0x210 enc "cbc(aes)" $K mode transport)
# send NS OSEQ : re-create the sender's SA so that its next packet carries OSEQ+1, and send one echo
send() { q $1 ip xfrm state deleteall; x $1 ip xfrm state add "${SA[@]}" replay-oseq $2; pingt $1 4321::2; }
i=2
for win in 64 128; do
  i=$((i+1)); A=a$i; B=b$i
  note "D$i: receiver replay-window $win; sequence 200, 200, 170, 170, 140, 100, 5001, 200, 4990"
  pair $A $B; cap dup_D$i $B eth0
  x $A ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
  x $B ip xfrm state add "${SA[@]}" replay-window $win
  for o in 199 199 169 169 139 99 5000 199 4989; do send $A $o; done
  x $B ip xfrm state list
  capstop; xstat "D$i" $A $B; sastat $B
done
