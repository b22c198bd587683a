# Many policies: 150 generated /128 out policies plus in and fwd ones; `ip xfrm policy count`, the listing's size, get of one, deleteall with a direction, and flush.
. ./lib.sh
nlist() { x $1 sh -c 'ip xfrm policy list | grep -c "^src"'; }
note "N1: 150 out policies dst 5000::N/128 (N=1..150), priority N"
pair a1 b1
for i in $(seq 1 150); do q a1 ip xfrm policy add dst 5000::$i/128 dir out priority $i action block; done
x a1 ip xfrm policy count
nlist a1
x a1 ip xfrm policy get dst 5000::64/128 dir out
x a1 ip xfrm policy get dst 5000::151/128 dir out
x a1 sh -c 'ip xfrm policy list | head -8'
pingt a1 4321::2

note "N2: 30 in and 20 fwd policies on top; deleteall dir in, then flush"
for i in $(seq 1 30); do q a1 ip xfrm policy add src 5001::$i/128 dir in action block; done
for i in $(seq 1 20); do q a1 ip xfrm policy add src 5002::$i dst 5003::/64 dir fwd; done
x a1 ip xfrm policy count
nlist a1
x a1 sh -c 'ip xfrm policy list dir fwd | grep -c "^src"'
x a1 ip xfrm policy deleteall dir in
x a1 ip xfrm policy count
x a1 ip xfrm policy deleteall dir out dst 5000::5/128
nlist a1
x a1 ip xfrm policy flush
x a1 ip xfrm policy count
nlist a1

note "N3: 60 policies differing only by mark coexist; one more differing only by priority does not"
pair a3 b3
for i in $(seq 1 60); do q a3 ip xfrm policy add dst 5000::/64 dir out mark $i action block; done
x a3 ip xfrm policy add dst 5000::/64 dir out mark 7 priority 3 action block
x a3 ip xfrm policy count
nlist a3
x a3 ip xfrm policy get dst 5000::/64 dir out mark 33
x a3 ip xfrm policy delete dst 5000::/64 dir out mark 33
x a3 ip xfrm policy get dst 5000::/64 dir out mark 33
x a3 ip xfrm policy deleteall
x a3 ip xfrm policy count
