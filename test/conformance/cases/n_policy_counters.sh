# ip6tables-legacy's built-in chain policy counters: every command that changes the table (-A, -I,
# -D, -R, -N, on any chain) leaves them at zero again; listing does not.
. ./lib.sh
pol() { x a sh -c 'ip6tables -L OUTPUT -v -n -x | head -1'; }
pings() { q a ping -c 2 -i 0.2 ::1; }
node a
x a ip6tables -A OUTPUT -p udp
pings; pol; pol
x a ip6tables -A OUTPUT -p tcp; pol
pings; x a ip6tables -I OUTPUT -p tcp; pol
pings; x a ip6tables -I OUTPUT 2 -p tcp; pol
pings; x a ip6tables -D OUTPUT 1; pol
pings; x a ip6tables -R OUTPUT 1 -p udp; pol
pings; x a ip6tables -N X; pol
pings; x a ip6tables -A INPUT -p udp; pol
pings; x a ip6tables -t mangle -A OUTPUT -p udp; pol
x a ip6tables -L INPUT -v -n -x
