# n_lib.bash: helpers the n_* cases share, sourced after lib.sh (not a case: the harness runs *.sh only).

# nf NS TABLE CHAIN [SKIP] : the chain's rules with their packet counters (console and results.txt);
# rules whose line matches the regex SKIP are left out (counters that depend on timing, e.g. ND rules
# that a neighbour-unreachability probe may or may not have hit yet)
nf() { local v; v=$(ip netns exec "$1" ip6tables -t "$2" -L "$3" -v -n -x | awk -v skip="${4:-^$}" 'NR>2 && $0 !~ skip {$2=""; $1=$1; print}')
  echo "--- $2/$3 [$1] (pkts target prot opt in out src dst matches) ---"; printf '%s\n' "$v" | sed 's/^/    /'
  printf '%s\n' "$v" | awk -v p="NF	[$1]	$2/$3" 'NF>0{print p "\t" $0}' >> "$OUT/results.txt"; }

# snmp6 NS LABEL NAME... : the named /proc/net/snmp6 counters (console and results.txt)
snmp6() { local ns=$1 label=$2 v; shift 2
  v=$(ip netns exec "$ns" cat /proc/net/snmp6 | awk -v want=" $* " 'index(want, " " $1 " ") {printf "%s=%s ", $1, $2}')
  echo "--- snmp6 [$ns] ($label): $v"; printf 'SNMP\t%s\t[%s]\t%s\n' "$label" "$ns" "$v" >> "$OUT/results.txt"; }

# gwtun H1 G1 R G2 H2 : H1=[4321::1] -- G1=[4321::ff | 4323::1] -- R=[4323::ff | 4324::ff] -- G2=[4324::2 | 4322::ff] -- H2=[4322::2];
# G1, R and G2 forward; hosts route via their gateway, gateways reach each other through R.
gwtun() { node "$@"; link "$1" eth0 "$2" eth0; link "$2" eth1 "$3" eth0; link "$3" eth1 "$4" eth0; link "$4" eth1 "$5" eth0
  addr "$1" eth0 4321::1/64; addr "$2" eth0 4321::ff/64; addr "$2" eth1 4323::1/64; addr "$3" eth0 4323::ff/64
  addr "$3" eth1 4324::ff/64; addr "$4" eth0 4324::2/64; addr "$4" eth1 4322::ff/64; addr "$5" eth0 4322::2/64
  fwd_on "$2"; fwd_on "$3"; fwd_on "$4"
  route "$1" default via 4321::ff; route "$5" default via 4322::ff
  route "$2" default via 4323::ff; route "$4" default via 4324::ff; }

# gwsa G1 G2 : the two tunnel SAs (G1 4323::1 <-> G2 4324::2, reqid 1 and 2) on both gateways
gwsa() { local n; for n in "$1" "$2"; do
  x "$n" ip xfrm state add src 4323::1 dst 4324::2 proto esp spi 0xa01 reqid 1 enc "cbc(aes)" 0x00112233445566778899aabbccddeeff auth "hmac(sha1)" 0x0123456789abcdef0123456789abcdef01234567 mode tunnel
  x "$n" ip xfrm state add src 4324::2 dst 4323::1 proto esp spi 0xa02 reqid 2 enc "cbc(aes)" 0xffeeddccbbaa99887766554433221100 auth "hmac(sha1)" 0x0123456789abcdef0123456789abcdef01234567 mode tunnel
done; }
# gwpol G1 G2 [FLAGS...] : out policies on both gateways for 4321::/64 <-> 4322::/64 (FLAGS are extra words for them)
gwpol() { local g1=$1 g2=$2; shift 2
  x "$g1" ip xfrm policy add src 4321::/64 dst 4322::/64 dir out "$@" tmpl src 4323::1 dst 4324::2 proto esp reqid 1 mode tunnel
  x "$g2" ip xfrm policy add src 4322::/64 dst 4321::/64 dir out "$@" tmpl src 4324::2 dst 4323::1 proto esp reqid 2 mode tunnel; }
# gwfwd G1 G2 : the matching fwd policies for what each gateway decapsulates
gwfwd() {
  x "$1" ip xfrm policy add src 4322::/64 dst 4321::/64 dir fwd tmpl src 4324::2 dst 4323::1 proto esp reqid 2 mode tunnel
  x "$2" ip xfrm policy add src 4321::/64 dst 4322::/64 dir fwd tmpl src 4323::1 dst 4324::2 proto esp reqid 1 mode tunnel; }

# tcplisten NS PORT NAME : nc -6 -l PORT in NS in the background, its output in $OUT/NAME.log
tcplisten() { ip netns exec "$1" nc -6 -l "$2" > "$OUT/$3.log" 2>&1 & _lpid=$!; sleep 1; }
# tcpdone NAME : stop the listener and record what it received
tcpdone() { sleep 1; kill "$_lpid" 2>/dev/null; wait "$_lpid" 2>/dev/null
  echo "   received ($1): $(cat "$OUT/$1.log")"
  printf 'RX\t%s\t%s\n' "$1" "$(tr '\n' ' ' < "$OUT/$1.log")" >> "$OUT/results.txt"; }

# udpsend NS DST PORT [NC-OPTS...] : one datagram "ping-udp" from NS with nc -u -w 1 (console and results.txt)
udpsend() { local ns=$1 dst=$2 port=$3 o rc; shift 3
  echo "[$ns]# echo ping-udp | nc -u -w 1 ${*:+$* }$dst $port"
  o=$(echo ping-udp | ip netns exec "$ns" nc -u -w 1 "$@" "$dst" "$port" 2>&1); rc=$?
  [ -n "$o" ] && printf '%s\n' "$o" | sed 's/^/   | /'; echo "   rc=$rc"
  printf 'UDP\trc=%s\t[%s]\t%s %s %s\t%s\n' "$rc" "$ns" "$*" "$dst" "$port" "$(printf '%s' "$o" | tr '\n' ' ')" >> "$OUT/results.txt"; }
# tcpsend NS DST PORT [NC-OPTS...] : a line over TCP with nc -N -w 2 (console and results.txt)
tcpsend() { local ns=$1 dst=$2 port=$3 o rc; shift 3
  echo "[$ns]# echo ping-tcp | nc -N -w 2 ${*:+$* }$dst $port"
  o=$(echo ping-tcp | ip netns exec "$ns" nc -N -w 2 "$@" "$dst" "$port" 2>&1); rc=$?
  [ -n "$o" ] && printf '%s\n' "$o" | sed 's/^/   | /'; echo "   rc=$rc"
  printf 'TCP\trc=%s\t[%s]\t%s %s %s\t%s\n' "$rc" "$ns" "$*" "$dst" "$port" "$(printf '%s' "$o" | tr '\n' ' ')" >> "$OUT/results.txt"; }
