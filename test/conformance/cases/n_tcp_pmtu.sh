# TCP's segment size follows the dst's MTU: through an ESP tunnel or transport SA the MSS leaves
# room for the SA (tcp_sync_mss with the xfrm bundle's MTU) while the SYN still advertises the
# link's. (Without xfrm, Linux hands veth one GSO packet for several segments, which xfrmsim does
# not build: no case here sends plain TCP data past one segment.)
. ./lib.sh
K1=0x00112233445566778899aabbccddeeff
K2=0xffeeddccbbaa99887766554433221100
A=0x0123456789abcdef0123456789abcdef01234567
# settle: the MLD reports of the new addresses go before the policies exist (see x_allow_exceptions).
settle() { sleep 1.2; }
# tcpsend FROM TO DST BYTES LOG : a listener on TO, BYTES bytes sent to it from FROM, what it received
tcpsend() { local from=$1 to=$2 dst=$3 n=$4 log=$5 rx
  ip netns exec "$to" nc -6 -l 7000 > "$OUT/$log" 2>&1 &
  rx=$!; sleep 1
  printf "%0${n}d" 0 | ip netns exec "$from" nc -N "$dst" 7000; echo "   nc rc=$?"
  sleep 1; kill $rx 2>/dev/null; wait $rx 2>/dev/null
  printf 'TCP\t%s\treceived %s bytes\n' "$log" "$(wc -c < "$OUT/$log" | tr -d ' ')" >> "$OUT/results.txt"; }
# esp A B MODE : SAs and tcp policies both ways between A=[4321::1] and B=[4321::2]
esp() { local a=$1 b=$2 mode=$3 n
  x $a ip xfrm policy add src 4321::1 dst 4321::2 proto tcp dir out tmpl src 4321::1 dst 4321::2 proto esp mode $mode
  x $b ip xfrm policy add src 4321::2 dst 4321::1 proto tcp dir out tmpl src 4321::2 dst 4321::1 proto esp mode $mode
  x $b ip xfrm policy add src 4321::1 dst 4321::2 proto tcp dir in tmpl src 4321::1 dst 4321::2 proto esp mode $mode
  x $a ip xfrm policy add src 4321::2 dst 4321::1 proto tcp dir in tmpl src 4321::2 dst 4321::1 proto esp mode $mode
  for n in $a $b; do
    x $n ip xfrm state add src 4321::1 dst 4321::2 proto esp spi 0xe01 enc "cbc(aes)" $K1 auth "hmac(sha1)" $A mode $mode
    x $n ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0xe02 enc "cbc(aes)" $K2 auth "hmac(sha1)" $A mode $mode
  done; }

note "P1: ESP tunnel: 4000 bytes in segments that fit the bundle's MTU (the receiver shows them decapsulated)"
pair a1 b1; settle; cap pmtu_P1 b1 eth0
esp a1 b1 tunnel
tcpsend a1 b1 4321::2 4000 p1_rx.log
capstop; xstat P1 a1 b1

note "P2: ESP transport: the same with the transport SA's smaller overhead"
pair a2 b2; settle; cap pmtu_P2 b2 eth0
esp a2 b2 transport
tcpsend a2 b2 4321::2 4000 p2_rx.log
capstop; xstat P2 a2 b2
