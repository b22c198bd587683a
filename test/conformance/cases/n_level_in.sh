# In-policy templates, level required versus use, against plaintext and protected packets: required refuses plaintext (XfrmInTmplMismatch), use accepts it; a transport SA other than the template's is skipped; a required AH with optional ESP; a non-matching tunnel SA is not excused by level use.
. ./lib.sh
. ./n_lib.bash
K=0x00112233445566778899aabbccddeeff
A=0x0123456789abcdef0123456789abcdef01234567
# lvl N LEVEL PROTECT : fresh pair aN/bN; b's in policy for echo requests needs ESP spi 0x770 at LEVEL; a sends plaintext, or ESP with spi PROTECT
lvl() { local a=a$1 b=b$1; pair $a $b
  x $b ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto esp spi 0x770 mode transport level $2
  if [ "$3" != plain ]; then
    x $a ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
    for n in $a $b; do x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi $3 enc "cbc(aes)" $K mode transport; done
  fi
  pingt $a 4321::2; xstat "L$1" $a $b; }
note "L1: required, plaintext echo";           lvl 1 required plain
note "L2: use, plaintext echo";                lvl 2 use plain
note "L3: use, echo in ESP spi 0x770";         lvl 3 use 0x770
note "L4: required, echo in ESP spi 0x770";    lvl 4 required 0x770
note "L5: required, echo in ESP spi 0x771";    lvl 5 required 0x771
note "L6: use, echo in ESP spi 0x771";         lvl 6 use 0x771

note "L7: in policy: AH required then ESP use; the echo comes in AH only, then ESP only"
pair a7 b7
x b7 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl proto ah mode transport tmpl proto esp mode transport level use
x a7 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto ah mode transport
for n in a7 b7; do
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto ah spi 0x772 auth "hmac(sha1)" $A mode transport
  x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x773 enc "cbc(aes)" $K mode transport
done
pingt a7 4321::2
xstat L7a a7 b7
x a7 ip xfrm policy update src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
pingt a7 4321::2
xstat L7b a7 b7

note "L8: in policy with an optional tunnel template whose src is wrong: a tunnel-mode echo is refused, a plaintext one accepted"
pair a8 b8
x b8 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir in tmpl src 4321::9 dst 4321::2 proto esp mode tunnel level use
pingt a8 4321::2
xstat L8a a8 b8
x a8 ip xfrm policy add src 4321::1 dst 4321::2 proto ipv6-icmp type 128 dir out tmpl src 4321::1 dst 4321::2 proto esp mode tunnel
for n in a8 b8; do x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0x774 enc "cbc(aes)" $K mode tunnel; done
pingt a8 4321::2
xstat L8b a8 b8; sastat b8
