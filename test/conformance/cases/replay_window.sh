# Replay windows without crafted packets: the sender starts at a chosen sequence number (replay-oseq) and the receiver's window starts at another (replay-seq); old sequence numbers are refused only when a window is set.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
i=0
for spec in "100 32 200" "100 32 110" "100 0 200" "0 4 6"; do
  set -- $spec; oseq=$1; win=$2; rseq=$3; i=$((i+1)); A=a$i; B=b$i
  note "R$i: sender replay-oseq $oseq, receiver replay-window $win replay-seq $rseq"
  pair $A $B; cap replay_R$i $B eth0
  x $A ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
  x $A ip xfrm state add dst 4321::2 proto esp spi 0x300 enc "cbc(aes)" $K mode transport replay-oseq $oseq
  x $B ip xfrm state add dst 4321::2 proto esp spi 0x300 enc "cbc(aes)" $K mode transport replay-window $win replay-seq $rseq
  x $B ip xfrm state list
  pingt $A 4321::2
  pingt $A 4321::2
  pingt $A 4321::2
  capstop; xstat "R$i" $A $B; sastat $B
done
