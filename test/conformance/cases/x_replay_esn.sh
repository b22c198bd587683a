# Extended sequence numbers (flag esn): the high half set with replay-oseq-hi and replay-seq-hi, the receiver inferring it, a wrap of the low half on the sender, a mismatched high half failing the ICV, ESN on AH, and ESN without a window.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
SA=(dst 4321::2 proto esp spi 0x230 enc "cbc(aes)" $K auth "hmac(sha1)" $A mode transport flag esn)
esn() { local i=$1 so=$2 r=$3 n=${4:-2} k; A1=a$i; B1=b$i
  pair $A1 $B1; cap esn_Q$i $B1 eth0
  x $A1 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
  x $A1 ip xfrm state add "${SA[@]}" replay-window 32 $so
  x $B1 ip xfrm state add "${SA[@]}" $r
  x $A1 ip xfrm state list
  x $B1 ip xfrm state list
  for k in $(seq $n); do pingt $A1 4321::2; done
  x $A1 ip xfrm state list
  x $B1 ip xfrm state list
  capstop; xstat "Q$i" $A1 $B1; sastat $B1; }

note "Q1: sender oseq-hi 1 oseq 5, receiver window 32 seq-hi 1 seq 3"
esn 1 "replay-oseq-hi 1 replay-oseq 5" "replay-window 32 replay-seq-hi 1 replay-seq 3"
note "Q2: sender oseq-hi 1 oseq 5, receiver window 32 seq-hi 0 seq 3: the receiver assumes high half 0"
esn 2 "replay-oseq-hi 1 replay-oseq 5" "replay-window 32 replay-seq-hi 0 replay-seq 3" 1
note "Q3: sender oseq 0xffffffff (next low half wraps to 0, high half 1), receiver seq 0xfffffff0 window 64"
esn 3 "replay-oseq 0xffffffff" "replay-window 64 replay-seq 0xfffffff0"
note "Q4: receiver already at seq-hi 2: a packet from high half 1 far behind is refused"
esn 4 "replay-oseq-hi 1 replay-oseq 5" "replay-window 32 replay-seq-hi 2 replay-seq 3" 1
note "Q5: ESN on AH, window 128"
pair a5 b5; cap esn_Q5 b5 eth0
x a5 ip xfrm policy add dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
x a5 ip xfrm state add dst 4321::2 proto ah spi 0x231 auth "hmac(sha1)" $A mode transport flag esn replay-window 128 replay-oseq-hi 7
x b5 ip xfrm state add dst 4321::2 proto ah spi 0x231 auth "hmac(sha1)" $A mode transport flag esn replay-window 128 replay-seq-hi 7
pingt a5 4321::2
capstop; xstat Q5 a5 b5
note "Q6: ESN without replay-window, and on a state without esn the -hi values"
x a5 ip xfrm state add dst 4321::2 proto esp spi 0x232 enc "cbc(aes)" $K mode transport flag esn
x a5 ip xfrm state add dst 4321::2 proto esp spi 0x233 enc "cbc(aes)" $K mode transport replay-oseq-hi 3
x a5 ip xfrm state add dst 4321::2 proto esp spi 0x234 enc "cbc(aes)" $K mode transport flag esn replay-window 4096
x a5 ip xfrm state list
