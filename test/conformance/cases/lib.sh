# lib.sh: a copy of ../article/lib.sh (xfrmsim lets a script read only its own folder and ../lib), sourced by the cases here.
# Conventions: every configuration command goes through `x NS CMD...`, which prints the command
# verbatim, its output, and its exit status, and appends a line to $OUT/results.txt.
set -u
export LC_ALL=C
: "${OUT:?run this under uml-run, which sets OUT}"
: > "$OUT/results.txt"
# This UML kernel lacks nf_tables IPv6 support, so `ip6tables` (nft backend) fails with
# "TABLE_ADD failed (Operation not supported)". Make `ip6tables` mean the legacy backend
# (same rule semantics), for every namespace, without touching the system.
_bin=$(mktemp -d); ln -s "$(command -v ip6tables-legacy)" "$_bin/ip6tables"; export PATH="$_bin:$PATH"
trap 'rm -rf "$_bin"' EXIT
_caps=()

# print argv, quoting words with shell-special characters
pq() { local s='' a; for a in "$@"; do
  if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then s+=" $a"; else s+=" \"$a\""; fi; done; printf '%s' "${s# }"; }

# x NS CMD... : run CMD in namespace NS ("-" = outside any namespace)
x() { local ns=$1; shift; local o rc
  echo "[$ns]# $(pq "$@")"
  if [ "$ns" = - ]; then o=$("$@" 2>&1); else o=$(ip netns exec "$ns" "$@" 2>&1); fi; rc=$?
  [ -n "$o" ] && printf '%s\n' "$o" | sed 's/^/   | /'
  echo "   rc=$rc"
  printf 'CMD\trc=%s\t[%s]\t%s\t%s\n' "$rc" "$ns" "$(pq "$@")" "$(printf '%s' "$o" | tr '\n' ' ' | cut -c1-200)" >> "$OUT/results.txt"
  return $rc; }

# q NS CMD... : quiet harness step (topology etc.); only failures are shown
q() { local ns=$1; shift; local o
  if [ "$ns" = - ]; then o=$("$@" 2>&1); else o=$(ip netns exec "$ns" "$@" 2>&1); fi || { echo "HARNESS FAIL [$ns] $(pq "$@"): $o"; return 1; }; }

# node NAME... : fresh namespace(s) with lo up, no router solicitations, no DAD
node() { local n; for n in "$@"; do
  ip netns add "$n"; ip -n "$n" link set lo up
  q "$n" sysctl -qw net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0 \
      net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_ra=0
done; }
# link NS1 IF1 NS2 IF2 : veth pair, both ends up
link() { ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up; ip -n "$3" link set "$4" up; }
addr() { q "$1" ip addr add "$3" dev "$2" nodad; }          # addr NS IF ADDR/LEN (harness)
route() { local ns=$1; shift; q "$ns" ip -6 route add "$@"; } # route NS ROUTE...   (harness)
fwd_on() { q "$1" sysctl -qw net.ipv6.conf.all.forwarding=1; }

# cap NAME NS IF : start a capture of everything on IF into $OUT/NAME.pcap
cap() { ip netns exec "$2" tcpdump -n -i "$3" -s 0 -U --immediate-mode -w "$OUT/$1.pcap" >/dev/null 2>&1 &
  _caps+=("$!:$1"); local i; for i in $(seq 50); do [ -s "$OUT/$1.pcap" ] && break; sleep 0.1; done; sleep 0.3; }
# capstop : stop all captures; write NAME.txt (tcpdump -n -vv) and print it
capstop() { local c pid name; sleep 1
  for c in "${_caps[@]}"; do pid=${c%%:*}; kill "$pid" 2>/dev/null; done
  for c in "${_caps[@]}"; do wait "${c%%:*}" 2>/dev/null; done
  for c in "${_caps[@]}"; do name=${c#*:}
    tcpdump -n -vv -r "$OUT/$name.pcap" > "$OUT/$name.txt" 2>/dev/null
    echo "=== link capture $name (tcpdump -n -vv) ==="; sed 's/^/    /' "$OUT/$name.txt"; done
  _caps=(); }

# pingt NS DST [ping options...] : one echo, 1 s wait; prints PING ok/FAIL
pingt() { local ns=$1 dst=$2; shift 2; local o rc
  echo "[$ns]# ping -c 1 -W 1 ${*:+$* }$dst    ($(date +%T.%N | cut -c1-12))"
  o=$(ip netns exec "$ns" ping -c 1 -W 1 "$@" "$dst" 2>&1); rc=$?
  printf '%s\n' "$o" | grep -vE '^$|^---|statistics' | sed 's/^/   | /'
  if [ $rc = 0 ]; then echo "   PING $ns -> $dst: ok"; else echo "   PING $ns -> $dst: FAIL (rc=$rc)"; fi
  printf 'PING\t%s\t[%s]\t%s %s\t%s\n' "$([ $rc = 0 ] && echo ok || echo FAIL)" "$ns" "$dst" "$*" \
    "$(printf '%s' "$o" | grep -E 'connect|sendmsg|unreachable|Unreachable|received' | tr '\n' ' ')" >> "$OUT/results.txt"
  return $rc; }

# xstat LABEL NS... : nonzero /proc/net/xfrm_stat counters (also to results.txt)
xstat() { local label=$1 n; shift; for n in "$@"; do
  echo "--- xfrm_stat nonzero [$n] ($label) ---"
  ip netns exec "$n" cat /proc/net/xfrm_stat | awk '$2!=0' | sed 's/^/    /'
  printf 'XFRMSTAT\t%s\t[%s]\t%s\n' "$label" "$n" "$(ip netns exec "$n" cat /proc/net/xfrm_stat | awk '$2!=0{printf "%s=%s ",$1,$2}')" >> "$OUT/results.txt"
done; }
# sastat NS... : ip -s xfrm state (full) and ip xfrm policy
sastat() { local n; for n in "$@"; do
  echo "--- ip -s xfrm state [$n] ---"; ip -n "$n" -s xfrm state | sed 's/^/    /'
  echo "--- ip xfrm policy [$n] ---"; ip -n "$n" xfrm policy | sed 's/^/    /'
  ip -n "$n" -s xfrm state | awk -v n="$n" '/^src /{sa=$0} /proto .* spi/{sp=$2" "$4} /\(bytes\), .*\(packets\)/ && sa!="" {gsub(/[()a-z]/,"",$0); split($0,v,","); printf "SA\t[%s]\t%s %s\tbytes=%s packets=%s\n", n, sa, sp, v[1]+0, v[2]+0; sa=""}' >> "$OUT/results.txt"
done; }
# fwstat NS : ip6tables -L -v -n -x (filter table)
fwstat() { echo "--- ip6tables -L -v -n -x [$1] ---"; ip netns exec "$1" ip6tables -L -v -n -x | sed 's/^/    /'
  ip netns exec "$1" ip6tables -L FORWARD -v -n -x | awk -v n="$1" 'NR==1{print "FW\t[" n "]\t" $0} NR>2{print "FW\t[" n "]\t" $0}' >> "$OUT/results.txt"; }
# snmp NS PATTERN : selected /proc/net/snmp6 counters that are nonzero
snmp() { echo "--- snmp6 [$1] ---"; ip netns exec "$1" awk -v p="$2" '$1 ~ p && $2 != 0' /proc/net/snmp6 | sed 's/^/    /'; }
note() { echo; echo "##### $*"; printf 'NOTE\t%s\n' "$*" >> "$OUT/results.txt"; }

# pair A B : two hosts A=[4321::1] B=[4321::2] on one link (fresh namespaces)
pair() { node "$1" "$2"; link "$1" eth0 "$2" eth0; addr "$1" eth0 4321::1/64; addr "$2" eth0 4321::2/64; }
# routed H1 R H2 : H1=[4321::1] -- R=[4321::ff | 4322::ff] -- H2=[4322::2], R forwarding, default routes via R
routed() { node "$1" "$2" "$3"; link "$1" eth0 "$2" eth0; link "$2" eth1 "$3" eth0
  addr "$1" eth0 4321::1/64; addr "$2" eth0 4321::ff/64; addr "$2" eth1 4322::ff/64; addr "$3" eth0 4322::2/64
  fwd_on "$2"; route "$1" default via 4321::ff; route "$3" default via 4322::ff; }
# nfcount NS : per-rule packet/byte counters of the mangle and filter tables, then the filter chain policies
nfcount() { echo "--- ip6tables counters [$1] ---"; local t; for t in mangle filter; do
  ip netns exec "$1" ip6tables -t $t -L -v -n -x | awk -v t=$t '/^Chain/{c=$2} NF>0 && $1 ~ /^[0-9]+$/ {print "    " t "/" c ": " $0}'; done
  ip netns exec "$1" ip6tables -t filter -L -v -n -x | awk '/^Chain/' | sed 's/^/    filter: /'; }
