# What makes two policies the same: selector, dir and mark (not priority, action or templates); add versus update; get and delete with and without the mark; C-style numbers; newest first in the listing.
. ./lib.sh
node n
x n ip xfrm policy add dst 4321::2 dir out priority 10
x n ip xfrm policy add dst 4321::2 dir out priority 20
x n ip xfrm policy add dst 4321::2 dir out action block
x n ip xfrm policy update dst 4321::2 dir out priority 010 action block
x n ip xfrm policy add dst 4321::2 dir in
x n ip xfrm policy add dst 4321::2 dir out mark 0x10
x n ip xfrm policy add dst 4321::2 dir out mark 0x10 mask 0xf0
x n ip xfrm policy add dst 4321::2/64 dir out
x n ip xfrm policy add dst 4321::2 proto udp dport 53 dir out
x n ip xfrm policy list
x n ip xfrm policy count
x n ip xfrm policy get dst 4321::2 dir out
x n ip xfrm policy get dst 4321::2 dir out mark 0x10
x n ip xfrm policy delete dst 4321::2 dir out
x n ip xfrm policy delete dst 4321::2 dir out
x n ip xfrm policy delete dst 4321::2 dir out mark 0x10
x n ip xfrm policy list dir out
x n ip xfrm policy deleteall dir out
x n ip xfrm policy list
x n ip xfrm policy flush
x n ip xfrm policy list
