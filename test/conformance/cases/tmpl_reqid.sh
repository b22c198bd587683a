# reqid: on output the template's reqid must equal the state's (0 is no wildcard); on input template reqid 0 accepts any state, another value only its own.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
i=0
for spec in "0 5 0" "5 5 0" "5 5 7" "5 5 5"; do
  set -- $spec; treq=$1; sreq=$2; inreq=$3; i=$((i+1)); A=a$i; B=b$i
  note "Q$i: out template reqid $treq, states reqid $sreq, receiver's in template reqid $inreq"
  pair $A $B
  x $A ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport reqid $treq
  x $A ip xfrm state add dst 4321::2 proto esp spi 0xa00 reqid $sreq enc "cbc(aes)" $K mode transport
  x $B ip xfrm state add dst 4321::2 proto esp spi 0xa00 reqid $sreq enc "cbc(aes)" $K mode transport
  x $B ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp mode transport reqid $inreq
  pingt $A 4321::2
  xstat "Q$i" $A $B
done
