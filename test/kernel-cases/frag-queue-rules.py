#!/usr/bin/env python3
"""Sends hand-made IPv6 fragments of ICMPv6 echo requests from 4321::1 to 4321::2 (a raw
IPPROTO_RAW socket: the kernel sends our IPv6 header as it is). Used by frag-queue-rules.sh."""
import socket, struct, sys

SRC = socket.inet_pton(socket.AF_INET6, '4321::1')
DST = socket.inet_pton(socket.AF_INET6, '4321::2')

def csum(data):
    if len(data) % 2: data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def echo(seq, n=64):
    body = bytes(i & 0xff for i in range(n))
    msg = struct.pack('!BBHHH', 128, 0, 0, 0x1234, seq) + body
    pseudo = SRC + DST + struct.pack('!I3xB', len(msg), 58)
    c = csum(pseudo + msg)
    return msg[:2] + struct.pack('!H', c) + msg[4:]

def frag(data, offset, more, ident, nh=58, prefix=b''):
    fh = struct.pack('!BBHI', nh, 0, (offset & ~7) | (1 if more else 0), ident)
    payload = prefix + fh + data
    first_nh = 60 if prefix else 44
    ip = struct.pack('!IHBB', 6 << 28, len(payload), first_nh, 64) + SRC + DST
    return ip + payload

s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
def send(p): s.sendto(p, ('4321::2', 0))

case = sys.argv[1]
m = echo(int(sys.argv[2]) if len(sys.argv) > 2 else 1)   # 72 bytes
if case == 'inorder':
    send(frag(m[:32], 0, True, 0x101)); send(frag(m[32:], 32, False, 0x101))
elif case == 'reverse':
    send(frag(m[32:], 32, False, 0x102)); send(frag(m[:32], 0, True, 0x102))
elif case == 'overlap':
    send(frag(m[:48], 0, True, 0x103)); send(frag(m[40:], 40, False, 0x103))
elif case == 'dup':
    send(frag(m[:32], 0, True, 0x104)); send(frag(m[:32], 0, True, 0x104)); send(frag(m[32:], 32, False, 0x104))
elif case == 'inside-run':
    # 0-16 and 16-32 make one run; 8-24 lies inside it; then the rest.
    send(frag(m[:16], 0, True, 0x105)); send(frag(m[16:32], 16, True, 0x105))
    send(frag(m[8:24], 8, True, 0x105)); send(frag(m[32:], 32, False, 0x105))
elif case == 'notmult8':
    send(frag(m[:30], 0, True, 0x106))
elif case == 'atomic':
    send(frag(m, 0, False, 0x107))
elif case == 'beyond-last':
    send(frag(m[32:], 32, False, 0x108)); send(frag(bytes(8), 72, True, 0x108))
elif case == 'lastonly':
    send(frag(m[32:], 32, False, 0x109))
elif case == 'firstonly':
    send(frag(m[:32], 0, True, 0x10a))
elif case == 'noupper':
    # the first fragment holds only a destination options header; the ICMPv6 header is in the next one
    dopt = bytes([58, 0, 1, 4, 0, 0, 0, 0])
    fh_first = frag(dopt, 0, True, 0x10b, nh=60)
    send(fh_first)
