# Neighbour discovery under ::/0 ESP policies: the solicitation to the solicited-node group finds no SA (XfrmOutNoStates), a ::/0 in policy drops plain NS (XfrmInTmplMismatch); type 135/136 bypass policies with a smaller priority number fix it, a larger number does not; with only NS bypassed the advertisement travels in ESP. MLD (type 143) is bypassed throughout so that only ND shows in the counters.
. ./lib.sh
. ./n_lib.bash
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
# wide NS DIRS PRIO : ::/0 ESP policies in DIRS ("out", "in" or "in out") at priority PRIO, plus MLD bypasses
wide() { local d; for d in $2; do
  x $1 ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type 143 dir $d priority 1
  x $1 ip xfrm policy add src ::/0 dst ::/0 dir $d priority $3 tmpl proto esp mode transport; done; }
# bypass NS PRIO TYPES... : allow policies for these ICMPv6 types in and out
bypass() { local ns=$1 prio=$2 t d; shift 2; for t in "$@"; do for d in in out; do
  x $ns ip xfrm policy add src ::/0 dst ::/0 proto ipv6-icmp type $t dir $d priority $prio; done; done; }
# sas A B : ESP SAs both ways on both hosts
sas() { local n; for n in "$1" "$2"; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x781 enc "cbc(aes)" $K1 mode transport
  x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x782 enc "cbc(aes)" $K2 mode transport; done; }
note "N1: a has a ::/0 out ESP policy and SAs to b: the NS for b has no SA, three tries"
pair a1 b1; cap nd_N1 b1 eth0
wide a1 out 100; sas a1 b1
pingt a1 4321::2; sleep 2
capstop; xstat N1 a1 b1

note "N2: b has a ::/0 in ESP policy: a's plain NS is dropped at b"
pair a2 b2; cap nd_N2 b2 eth0
wide b2 in 100; sas a2 b2
pingt a2 4321::2; sleep 2
capstop; xstat N2 a2 b2

note "N3: both hosts ::/0 in and out at priority 100, NS/NA bypass at priority 10: ND in plaintext, echo in ESP"
pair a3 b3; cap nd_N3 b3 eth0
for n in a3 b3; do wide $n "in out" 100; bypass $n 10 135 136; done; sas a3 b3
pingt a3 4321::2
capstop; xstat N3 a3 b3; sastat a3

note "N4: the bypass at priority 200, after the ::/0 policy at 100: ignored, as in N1"
pair a4 b4
for n in a4 b4; do wide $n "in out" 100; bypass $n 200 135 136; done; sas a4 b4
pingt a4 4321::2; sleep 2
xstat N4 a4 b4

note "N5: only NS bypassed: b's advertisement to 4321::1 has an SA and goes out in ESP, a accepts it"
pair a5 b5; cap nd_N5 b5 eth0
for n in a5 b5; do wide $n "in out" 100; bypass $n 10 135; done; sas a5 b5
pingt a5 4321::2
capstop; xstat N5 a5 b5; sastat b5
