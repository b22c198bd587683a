# A state's sel: on input the decapsulated packet must fit it (else XfrmInStateMismatch); on output a state whose sel does not fit the flow is not used (XfrmOutNoStates).
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
i=0
for spec in "in:src 4321::1 dst 4321::2 proto udp" "in:src 4321::1 dst 4321::2 proto ipv6-icmp" "out:dst 4321::99" "out:src 4321::/64 dst 4321::/64"; do
  side=${spec%%:*}; sel=${spec#*:}; i=$((i+1)); A=a$i; B=b$i
  note "S$i: $side state with sel $sel"
  pair $A $B; cap sel_S$i $B eth0
  x $A ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
  if [ $side = in ]; then asel=(); bsel=(sel $sel); else asel=(sel $sel); bsel=(); fi
  x $A ip xfrm state add dst 4321::2 proto esp spi 0x400 enc "cbc(aes)" $K mode transport "${asel[@]}"
  x $B ip xfrm state add dst 4321::2 proto esp spi 0x400 enc "cbc(aes)" $K mode transport "${bsel[@]}"
  x $A ip xfrm state list
  x $B ip xfrm state list
  pingt $A 4321::2
  capstop; xstat "S$i" $A $B
done
