# Reading /proc files of a namespace the ways scripts do: cat, then grep, awk, sed and head given the file as an argument or through a redirection; the values are those of a fresh namespace after one ping.
. ./lib.sh
pair a b
pingt a 4321::2
x a sh -c 'cat /proc/net/xfrm_stat | head -3'
x a grep -c Xfrm /proc/net/xfrm_stat
x a awk '$1 == "XfrmInNoStates" {print $2}' /proc/net/xfrm_stat
x a awk '$1 == "Icmp6OutEchos" || $1 == "Icmp6InEchoReplies" {print $1, $2}' /proc/net/snmp6
x a grep -E '^(Icmp6OutEchos|Icmp6InEchoReplies) ' /proc/net/snmp6
x a sed -n '1p' /proc/net/xfrm_stat
x a cat /proc/sys/net/ipv6/conf/eth0/forwarding
x b cat /proc/sys/net/ipv6/conf/all/accept_dad
x a head -2 /proc/net/xfrm_stat
x a sh -c 'awk "NR == 2" < /proc/net/xfrm_stat'
