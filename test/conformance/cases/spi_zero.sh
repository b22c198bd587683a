# States with SPI 0: not in the SPI index, so the same one can be added twice, get and delete do not find them, deleteall leaves them (and fails), only flush removes them.
. ./lib.sh
K=0x00112233445566778899aabbccddeeff
node n
x n ip xfrm state add dst 4321::2 proto esp enc "cbc(aes)" $K mode transport
x n ip xfrm state add dst 4321::2 proto esp enc "cbc(aes)" $K mode transport
x n ip xfrm state add dst 4321::2 proto esp spi 0 enc "cbc(aes)" $K mode transport
x n ip xfrm state add dst 4321::2 proto esp spi 7 enc "cbc(aes)" $K mode transport
x n ip xfrm state count
x n ip xfrm state get dst 4321::2 proto esp spi 0
x n ip xfrm state delete dst 4321::2 proto esp spi 0
x n ip xfrm state list
x n ip xfrm state deleteall
x n ip xfrm state list
x n ip xfrm state count
x n ip xfrm state flush
x n ip xfrm state list
x n ip xfrm state count
