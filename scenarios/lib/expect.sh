# scenarios/lib/expect.sh: helpers sourced by the scenario scripts (not a scenario itself).
#
# They run unchanged as root on Linux and in xfrmsim. Plain bash only: functions, local, $(...),
# [ ], case; the commands used are ip, ip6tables-legacy, sysctl, ping, tcpdump, cat, grep, awk,
# sed, echo, printf, sleep, kill, wait, seq, sort, tr.
#
#   Topology (quiet; a failure is reported as FAIL):
#     node NS...                 fresh namespace(s): lo up, no router solicitations, no DAD, no RA
#     link NS1 IF1 NS2 IF2       a veth pair NS1:IF1 <-> NS2:IF2, both ends up
#     addr NS IF ADDR/LEN        an address without duplicate address detection (nodad)
#     route NS ROUTE...          ip -6 route add ROUTE... in NS
#     forwarding NS              net.ipv6.conf.all.forwarding=1 in NS
#   Commands (printed as "[NS]# CMD", with their output):
#     on NS CMD...               run CMD in NS; a non-zero exit is a FAIL
#     expect_cmd_fail NS RC MSG CMD...
#                                run CMD in NS; expect exit status RC and MSG in its output
#   Expectations (each prints one line "ok: ..." or "FAIL: ... (expected X, got Y)",
#   and returns non-zero on failure):
#     expect_ping_ok NS DST [ping options]       one echo (ping -c 1 -W 1) gets its reply
#     expect_ping_fail NS DST [ping options]     ... gets no reply
#     expect_ping_error NS DST MSG [options]     ... fails and ping prints MSG (e.g. "connect: No route to host")
#     expect_xfrm_stat NS COUNTER VALUE          one /proc/net/xfrm_stat counter
#     expect_xfrm_nonzero NS "C1=V1 C2=V2..."    the complete set of nonzero xfrm_stat counters ("" = all zero)
#     expect_snmp6 NS COUNTER VALUE              one /proc/net/snmp6 counter (e.g. Icmp6InEchos)
#     expect_sa_packets NS DST SPI PACKETS [BYTES]
#                                the SA "dst DST ... spi SPI" (ip -s xfrm state) counted PACKETS (and BYTES)
#     expect_sa_count NS N       NS holds N states (ip xfrm state)
#     expect_policy_count NS N   NS holds N policies (ip xfrm policy)
#     expect_fw_packets NS TABLE CHAIN RULE PACKETS
#                                rule number RULE (1 = first) of ip6tables -t TABLE -L CHAIN counted PACKETS
#     expect_fw_policy_packets NS CHAIN PACKETS  the filter table's CHAIN policy counted PACKETS
#     expect_capture NAME REGEX N                N lines of `tcpdump -n -r $OUT/NAME.pcap` match REGEX
#   Captures (tcpdump in the background, files in $OUT):
#     capture_start NAME NS IF   start tcpdump -w $OUT/NAME.pcap on NS:IF
#     capture_stop               stop every capture started
#     show_capture NAME          print tcpdump -n -r $OUT/NAME.pcap (MLD reports left out)
#   Reporting:
#     step TEXT                  a heading
#     finish                     print the tally; exit 1 if any expectation failed, 0 otherwise
#
# $OUT is where captures go (uml-run and `xfrmsim run` set it; /tmp otherwise).

export LC_ALL=C
OUT=${OUT:-/tmp}
EXPECT_OK=0
EXPECT_FAILED=0
CAPTURE_PIDS=

_ok() { EXPECT_OK=$((EXPECT_OK + 1)); echo "ok: $*"; return 0; }
_fail() { EXPECT_FAILED=$((EXPECT_FAILED + 1)); echo "FAIL: $*"; return 1; }

# _q ARGS...: the words as a command line, quoting those with shell-special characters
_q() {
  local s='' a
  for a in "$@"; do
    case $a in
      '' | *[!A-Za-z0-9_./:=,+@%-]*) s="$s \"$a\"" ;;
      *) s="$s $a" ;;
    esac
  done
  printf '%s' "${s# }"
}

# _indent TEXT: print TEXT (if any) indented by 4
_indent() { [ -n "$1" ] && printf '%s\n' "$1" | sed 's/^/    /'; return 0; }

step() { echo; echo "== $*"; }

# ---------------------------------------------------------------- topology

node() {
  local n
  for n in "$@"; do
    ip netns add "$n" || { _fail "node $n: ip netns add failed"; continue; }
    ip -n "$n" link set lo up
    ip netns exec "$n" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
      net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_ra=0 >/dev/null ||
      _fail "node $n: sysctl failed"
  done
}

link() {
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
    ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up ||
    _fail "link $1:$2 <-> $3:$4 failed"
}

addr() { ip -n "$1" addr add "$3" dev "$2" nodad || _fail "addr $3 on $1:$2 failed"; }

route() { local ns=$1; shift; ip -n "$ns" -6 route add "$@" || _fail "route $* in $ns failed"; }

forwarding() { ip netns exec "$1" sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null || _fail "forwarding on $1 failed"; }

# ---------------------------------------------------------------- commands

on() {
  local ns=$1; shift
  local o rc
  echo "[$ns]# $(_q "$@")"
  o=$(ip netns exec "$ns" "$@" 2>&1); rc=$?
  _indent "$o"
  [ "$rc" -eq 0 ] || _fail "[$ns] $(_q "$@") (expected exit status 0, got $rc)"
}

expect_cmd_fail() {
  local ns=$1 want=$2 msg=$3; shift 3
  local o rc
  echo "[$ns]# $(_q "$@")"
  o=$(ip netns exec "$ns" "$@" 2>&1); rc=$?
  _indent "$o"
  if [ "$rc" != "$want" ]; then
    _fail "[$ns] $(_q "$@") (expected exit status $want, got $rc)"
  elif ! printf '%s\n' "$o" | grep -qF -- "$msg"; then
    _fail "[$ns] $(_q "$@") (expected '$msg', got '$o')"
  else
    _ok "[$ns] the command fails with exit status $rc: $msg"
  fi
}

# ---------------------------------------------------------------- ping

# _ping NS DST [options]: sets PING_OUT, PING_RC and PING_LABEL
_ping() {
  local ns=$1 dst=$2; shift 2
  PING_LABEL="ping $ns -> $dst"
  [ $# -gt 0 ] && PING_LABEL="$PING_LABEL ($*)"
  echo "[$ns]# $(_q ping -c 1 -W 1 "$@" "$dst")"
  PING_OUT=$(ip netns exec "$ns" ping -c 1 -W 1 "$@" "$dst" 2>&1); PING_RC=$?
  _indent "$(printf '%s\n' "$PING_OUT" | grep -E 'bytes from|connect|sendmsg|nreachable|transmitted')"
}

expect_ping_ok() {
  local ns=$1 dst=$2; shift 2
  _ping "$ns" "$dst" "$@"
  if [ "$PING_RC" -eq 0 ]; then _ok "$PING_LABEL: reply"
  else _fail "$PING_LABEL (expected a reply, got exit status $PING_RC)"; fi
}

expect_ping_fail() {
  local ns=$1 dst=$2; shift 2
  _ping "$ns" "$dst" "$@"
  if [ "$PING_RC" -ne 0 ]; then _ok "$PING_LABEL: no reply (exit status $PING_RC)"
  else _fail "$PING_LABEL (expected no reply, got a reply)"; fi
}

expect_ping_error() {
  local ns=$1 dst=$2 msg=$3; shift 3
  _ping "$ns" "$dst" "$@"
  if [ "$PING_RC" -eq 0 ]; then
    _fail "$PING_LABEL (expected '$msg', got a reply)"
  elif ! printf '%s\n' "$PING_OUT" | grep -qF -- "$msg"; then
    _fail "$PING_LABEL (expected '$msg', got exit status $PING_RC without it)"
  else
    _ok "$PING_LABEL: $msg"
  fi
}

# ---------------------------------------------------------------- xfrm counters

expect_xfrm_stat() {
  local ns=$1 counter=$2 want=$3 got
  got=$(ip netns exec "$ns" cat /proc/net/xfrm_stat | awk -v c="$counter" '$1 == c { print $2 }')
  if [ "$got" = "$want" ]; then _ok "[$ns] $counter = $want"
  else _fail "[$ns] $counter (expected $want, got ${got:-no such counter})"; fi
}

expect_xfrm_nonzero() {
  local ns=$1 want=$2 got w
  got=$(ip netns exec "$ns" cat /proc/net/xfrm_stat | awk '$2 != 0 { print $1 "=" $2 }' | sort | tr '\n' ' ' | sed 's/ $//')
  want=$(for w in $want; do echo "$w"; done | sort | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$want" ]; then _ok "[$ns] nonzero xfrm_stat counters: ${want:-none}"
  else _fail "[$ns] nonzero xfrm_stat counters (expected ${want:-none}, got ${got:-none})"; fi
}

# expect_sa_packets NS DST SPI PACKETS [BYTES]: SPI in decimal or 0x hex
expect_sa_packets() {
  local ns=$1 dst=$2 spi=$3 want=$4 wantb=${5:-} got p b
  spi=$(printf '0x%08x' "$spi")
  got=$(ip -n "$ns" -s xfrm state | awk -v d="$dst" -v s="$spi" '
    /^src / { cur = $4; hit = 0; next }
    $1 == "proto" && $3 == "spi" { hit = (cur == d && index($4, s) == 1) }
    hit && /\(bytes\), .*\(packets\)/ { b = $1; p = $2; sub(/\(.*/, "", b); sub(/\(.*/, "", p); print p, b; hit = 0 }')
  if [ -z "$got" ]; then _fail "[$ns] SA dst $dst spi $spi (expected $want packets, got no such SA)"; return 1; fi
  p=${got%% *}; b=${got#* }
  if [ "$p" = "$want" ] && { [ -z "$wantb" ] || [ "$b" = "$wantb" ]; }; then
    _ok "[$ns] SA dst $dst spi $spi: $p packets${wantb:+, $b bytes}"
  else
    _fail "[$ns] SA dst $dst spi $spi (expected $want packets${wantb:+, $wantb bytes}, got $p packets, $b bytes)"
  fi
}

expect_sa_count() {
  local ns=$1 want=$2 got
  got=$(ip -n "$ns" xfrm state | grep -c '^src ')
  if [ "$got" = "$want" ]; then _ok "[$ns] $want states"
  else _fail "[$ns] number of states (expected $want, got $got)"; fi
}

expect_policy_count() {
  local ns=$1 want=$2 got
  got=$(ip -n "$ns" xfrm policy | grep -c '^src ')
  if [ "$got" = "$want" ]; then _ok "[$ns] $want policies"
  else _fail "[$ns] number of policies (expected $want, got $got)"; fi
}

expect_snmp6() {
  local ns=$1 counter=$2 want=$3 got
  got=$(ip netns exec "$ns" cat /proc/net/snmp6 | awk -v c="$counter" '$1 == c { print $2 }')
  if [ "$got" = "$want" ]; then _ok "[$ns] $counter = $want"
  else _fail "[$ns] $counter (expected $want, got ${got:-no such counter})"; fi
}

# ---------------------------------------------------------------- netfilter counters

expect_fw_packets() {
  local ns=$1 table=$2 chain=$3 rule=$4 want=$5 got
  got=$(ip netns exec "$ns" ip6tables-legacy -t "$table" -L "$chain" -v -n -x | awk -v n=$((rule + 2)) 'NR == n { print $1 }')
  if [ "$got" = "$want" ]; then _ok "[$ns] $table $chain rule $rule: $want packets"
  else _fail "[$ns] $table $chain rule $rule (expected $want packets, got ${got:-no such rule})"; fi
}

expect_fw_policy_packets() {
  local ns=$1 chain=$2 want=$3 got
  got=$(ip netns exec "$ns" ip6tables-legacy -t filter -L "$chain" -v -n -x | awk 'NR == 1 { print $5 }')
  if [ "$got" = "$want" ]; then _ok "[$ns] filter $chain policy: $want packets"
  else _fail "[$ns] filter $chain policy (expected $want packets, got $got)"; fi
}

# ---------------------------------------------------------------- captures

capture_start() {
  local name=$1 ns=$2 dev=$3 i
  ip netns exec "$ns" tcpdump -n -i "$dev" -s 0 -U --immediate-mode -w "$OUT/$name.pcap" >/dev/null 2>&1 &
  CAPTURE_PIDS="$CAPTURE_PIDS $!"
  for i in $(seq 50); do [ -s "$OUT/$name.pcap" ] && break; sleep 0.1; done
  sleep 0.3
}

capture_stop() {
  local p
  sleep 1
  for p in $CAPTURE_PIDS; do kill "$p" 2>/dev/null; done
  for p in $CAPTURE_PIDS; do wait "$p" 2>/dev/null; done
  CAPTURE_PIDS=
}

show_capture() {
  echo "--- tcpdump -n -r $1.pcap (multicast listener reports left out) ---"
  local t
  t=$(tcpdump -n -r "$OUT/$1.pcap" 2>/dev/null | grep -v 'multicast listener report')
  _indent "${t:-(no packets)}"
}

expect_capture() {
  local name=$1 re=$2 want=$3 got
  got=$(tcpdump -n -r "$OUT/$name.pcap" 2>/dev/null | grep -cE -- "$re")
  if [ "$got" = "$want" ]; then _ok "capture $name: $want packets match /$re/"
  else _fail "capture $name: packets matching /$re/ (expected $want, got $got)"; fi
}

# ---------------------------------------------------------------- end

finish() {
  echo
  if [ "$EXPECT_FAILED" -eq 0 ]; then
    echo "PASS: all $EXPECT_OK expectations held"
    exit 0
  fi
  echo "FAILED: $EXPECT_FAILED of $((EXPECT_OK + EXPECT_FAILED)) expectations"
  exit 1
}
