# Refused ip6tables commands (unknown matches, targets, chains, tables, options, rules to delete, built-in chain operations) with their messages and exit codes; after each failure the ruleset (ip6tables -S) is unchanged.
. ./lib.sh
node n
try() { x n "$@"; x n ip6tables -S; }
x n ip6tables -N keep
x n ip6tables -A INPUT -p udp --dport 53 -j keep
note "F1: matches and options"
try ip6tables -A INPUT -m nosuchmatch -j ACCEPT
try ip6tables -A INPUT --dport 80 -j ACCEPT
try ip6tables -A INPUT -p tcp --dport 99999 -j ACCEPT
try ip6tables -A INPUT -p nosuchproto -j ACCEPT
try ip6tables -A INPUT -p ipv6-icmp --icmpv6-type nosuchtype -j ACCEPT
try ip6tables -A INPUT -s 4321::/200 -j ACCEPT
try ip6tables -A INPUT -m mark --mark x -j ACCEPT
try ip6tables -A INPUT -m conntrack --ctstate BOGUS -j ACCEPT
try ip6tables -A INPUT -i -j ACCEPT
note "F2: targets"
try ip6tables -A INPUT -j NOSUCHTARGET
try ip6tables -A INPUT -j MARK --set-mark 1
try ip6tables -t mangle -A INPUT -j MARK
try ip6tables -A INPUT -j REJECT --reject-with icmp-port-unreachable
try ip6tables -A INPUT -p udp -j REJECT --reject-with tcp-reset
try ip6tables -A INPUT -j CONNMARK --save-mark --restore-mark
note "F3: chains and tables"
try ip6tables -A NOSUCHCHAIN -j ACCEPT
try ip6tables -t nosuchtable -L
try ip6tables -t raw -A INPUT -j ACCEPT
try ip6tables -N keep
try ip6tables -N INPUT
try ip6tables -X keep
try ip6tables -X INPUT
try ip6tables -X nosuch
try ip6tables -P keep DROP
try ip6tables -P INPUT MAYBE
try ip6tables -E keep INPUT
try ip6tables -A INPUT -j INPUT
note "F4: deleting and replacing what is not there"
try ip6tables -D INPUT -p udp --dport 54 -j keep
try ip6tables -D INPUT 5
try ip6tables -R INPUT 3 -j ACCEPT
try ip6tables -I INPUT 4 -j ACCEPT
try ip6tables -D INPUT -p udp --dport 53 -j keep
x n ip6tables -L INPUT -n
