# ip xfrm state allocspi: one-value min/max ranges (the kernel draws at random inside a range, so only those are deterministic) free and already taken, an inverted range, the value 0, the larval state each leaves, and updating one into a working SA.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
pair a b; cap alloc b eth0
note "S1: a one-value range min 0x1234 max 0x1234, twice (same dst), then for another dst"
x a ip xfrm state allocspi src 4321::2 dst 4321::1 proto esp min 0x1234 max 0x1234
x a ip xfrm state allocspi src 4321::2 dst 4321::1 proto esp min 0x1234 max 0x1234
x a ip xfrm state allocspi src 4321::3 dst 4321::1 proto esp min 0x1234 max 0x1234
x a ip xfrm state list
x a ip xfrm state count
note "S2: range 0x2000-0x2000 for src 4321::5, then the same range for src 4321::6 (same dst): taken"
x a ip xfrm state allocspi src 4321::5 dst 4321::1 proto esp min 0x2000 max 0x2000
x a ip xfrm state allocspi src 4321::6 dst 4321::1 proto esp min 0x2000 max 0x2000
x a ip xfrm state allocspi src 4321::6 dst 4321::1 proto ah min 0x2000 max 0x2000
x a ip xfrm state count
note "S3: inverted range, the value 0, AH and comp, and spi instead of min/max"
x a ip xfrm state allocspi src 4321::2 dst 4321::1 proto ah min 0x3001 max 0x3000
x a ip xfrm state allocspi src 4321::2 dst 4321::1 proto ah min 0 max 0
x a ip xfrm state allocspi src 4321::2 dst 4321::1 proto ah min 0xff max 0xff
x a ip xfrm state allocspi src 4321::2 dst 4321::1 proto comp min 0x10 max 0x10
x a ip xfrm state allocspi src 4321::2 dst 4321::1 proto ah spi 0x3333
x a ip xfrm state count
note "S4: the larval state of S1 updated into a full SA; b sends to it"
x a ip xfrm state update src 4321::2 dst 4321::1 proto esp spi 0x1234 enc "cbc(aes)" $K mode transport
x b ip xfrm state add src 4321::2 dst 4321::1 proto esp spi 0x1234 enc "cbc(aes)" $K mode transport
x b ip xfrm policy add dst 4321::1 proto ipv6-icmp type 128 dir out tmpl proto esp mode transport
x a ip xfrm state get src 4321::2 dst 4321::1 proto esp spi 0x1234
pingt b 4321::1
capstop; xstat S4 a b; sastat a
