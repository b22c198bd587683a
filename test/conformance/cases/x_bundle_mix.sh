# Two-template bundles between two hosts, transport and tunnel mixed: ESP outside AH, AH tunnel outside ESP transport, ESP tunnel outside AH transport, AH transport outside an ESP tunnel, ESP tunnel in ESP tunnel; the wire shows the nesting, the receiver's in policy the template order it accepts.
. ./lib.sh
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
A=0x0123456789abcdef0123456789abcdef01234567
TUN=(src 4321::1 dst 4321::2)
sa() { local n=$1; shift; x $n ip xfrm state add src 4321::1 dst 4321::2 "$@"; }
esp() { sa $1 proto esp spi $2 enc "cbc(aes)" $3 auth "hmac(sha1)" $A mode $4; }
ah() { sa $1 proto ah spi $2 auth "hmac(sha256)" ${A}0123456789ab0123456789ab mode $3; }
i=0
# spec: sender templates; receiver in policy templates (same order) ; receiver in policy (reversed)
for spec in "esp:transport ah:transport" "ah:transport esp:transport" "esp:transport ah:tunnel" "ah:transport esp:tunnel" "esp:tunnel ah:transport" "esp:tunnel esp:tunnel"; do
  i=$((i+1)); A1=a$i; B1=b$i; set -- $spec
  p1=${1%%:*}; m1=${1#*:}; p2=${2%%:*}; m2=${2#*:}
  note "X$i: first template $p1 $m1, second $p2 $m2"
  pair $A1 $B1; cap mix_X$i $B1 eth0
  t1=(tmpl); [ $m1 = tunnel ] && t1+=("${TUN[@]}"); t1+=(proto $p1 mode $m1)
  t2=(tmpl); [ $m2 = tunnel ] && t2+=("${TUN[@]}"); t2+=(proto $p2 mode $m2)
  x $A1 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out "${t1[@]}" "${t2[@]}"
  for n in $A1 $B1; do
    if [ $p1 = esp ]; then esp $n 0x1d1 $K1 $m1; else ah $n 0x1d1 $m1; fi
    if [ $p2 = esp ]; then esp $n 0x1d2 $K2 $m2; else ah $n 0x1d2 $m2; fi
  done
  pingt $A1 4321::2
  x $B1 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in "${t1[@]}" "${t2[@]}"
  pingt $A1 4321::2
  x $B1 ip xfrm policy update src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in "${t2[@]}" "${t1[@]}"
  pingt $A1 4321::2
  capstop; xstat "X$i" $A1 $B1; sastat $B1
done
