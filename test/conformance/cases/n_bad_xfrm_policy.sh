# Refused ip xfrm policy commands (duplicates, absent policies, bad selectors, bad templates, bad marks, priorities and indexes) with their messages and exit codes; after each failure the policy list is unchanged.
. ./lib.sh
node n
try() { x n "$@"; x n ip xfrm policy list; }
x n ip xfrm policy add src 4321::1 dst 4321::2 proto udp dport 53 dir out priority 7 tmpl proto esp mode transport
note "Z1: duplicates and identity"
try ip xfrm policy add src 4321::1 dst 4321::2 proto udp dport 53 dir out priority 7 tmpl proto esp mode transport
try ip xfrm policy add src 4321::1 dst 4321::2 proto udp dport 53 dir out priority 9 tmpl proto ah mode transport
try ip xfrm policy add src 4321::1 dst 4321::2 proto udp dport 53 dir out action block
try ip xfrm policy delete src 4321::1 dst 4321::2 proto udp dport 54 dir out
try ip xfrm policy delete src 4321::1 dst 4321::2 proto udp dport 53 dir in
try ip xfrm policy delete src 4321::1 dst 4321::2 proto udp dport 53 dir out mark 1
try ip xfrm policy get index 12345 dir out
try ip xfrm policy delete index 9 dir out
note "Z2: selectors"
try ip xfrm policy add src 4321::1/200 dir out
try ip xfrm policy add src 4321::zz dir out
try ip xfrm policy add dst 4321::2 proto nosuch dir out
try ip xfrm policy add dst 4321::2 proto udp dport http dir out
try ip xfrm policy add dst 4321::2 proto udp dport 70000 dir out
try ip xfrm policy add dst 4321::2 proto ipv6-icmp type 300 dir out
try ip xfrm policy add dst 4321::2 proto udp sport 1 sport 2 dir out
try ip xfrm policy add dst 4321::2 dev nosuch0 dir out
note "Z3: templates, marks, priorities, flags"
try ip xfrm policy add dst 4321::3 dir out tmpl proto esp mode tunnel
try ip xfrm policy add dst 4321::3 dir out tmpl src 4321::1 dst 10.0.0.1 proto esp mode tunnel
try ip xfrm policy add dst 4321::3 dir out tmpl proto esp reqid x
try ip xfrm policy add dst 4321::3 dir out tmpl proto esp mode transport level use
try ip xfrm policy add dst 4321::3 dir out tmpl proto esp spi 0x10 mode transport
try ip xfrm policy add dst 4321::3 dir out mark x
try ip xfrm policy add dst 4321::3 dir out priority -1
try ip xfrm policy add dst 4321::3 dir out flag nosuch
try ip xfrm policy add dst 4321::3 dir out index 3
try ip xfrm policy add dst 4321::3 dir fwd index 9
try ip xfrm policy add dst 4321::3 dir in action allow action block
x n ip xfrm policy count
x n ip xfrm policy flush
x n ip xfrm policy list
