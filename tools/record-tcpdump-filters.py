#!/usr/bin/env python3
"""Records which packets the real tcpdump's filters select in each fixture pcap, and the errors
bad filters give, into test/fixtures/shell/tcpdump/filters.json (the reference for
src/shell/tcpdump-filter.ts). Needs tcpdump 4.99.3 with libpcap 1.10.3. Run from anywhere:

    tools/record-tcpdump-filters.py
"""
import json, os, struct, subprocess, sys, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
PCAPS = os.path.join(ROOT, 'test/fixtures/pcap')
OUT = os.path.join(ROOT, 'test/fixtures/shell/tcpdump/filters.json')

GOOD = [
    'ip6', 'ip', 'arp', 'rarp', 'icmp6', 'icmp', 'esp', 'ah', 'tcp', 'udp', 'sctp',
    'ip6 proto 0', 'ip6 proto 58', 'proto 58', 'ip6 proto 44', 'ip6 proto 60', 'proto 50', 'ip proto 50',
    'ip6 proto 17', 'ip6 proto 6', 'proto 0', 'ip6 proto 300', 'ip6 proto 0x3a',
    'port 7777', 'tcp port 7777', 'udp port 7777', 'src port 7777', 'dst port 7777', 'tcp dst port 36228',
    'port 1000 or port 41760', 'port 7777 or 1000', 'src or dst port 7777', 'src and dst port 7777', 'not port 7777',
    'udp port 0', 'tcp src port 41760', 'port 500',
    'host 4321::1', 'src host 4321::1', 'dst host 4321::2', 'src 4321::1', 'dst 4321::2',
    'host 4321::1 and host 4321::2', 'host 4321::1 or 4444::2', 'ip6 host ff02::16', 'net 4321::/64',
    'src net fe80::/10', 'dst net ff02::/16', 'net 4300::/8', 'net 4321::/16', 'ip6 net ::/0', 'net 4321::1',
    'src and dst net 4321::/16', 'src or dst host 4444::2', 'host ::', 'src host ::', 'dst net ff02::1:ff00:0/104',
    'icmp6 and host 4321::2', 'esp or ah', 'esp || ah', 'esp && host 4321::1', 'not icmp6', '!icmp6', 'not (esp or ah)',
    'ip6 and not icmp6 and not esp', 'icmp6 or tcp and host 4321::1', 'tcp and (port 7777 or port 1000)',
    'host 4321::1 and (4321::2 or 4444::2)', 'not host 4321::1 and 4321::2', 'host 4321::1 and not 4321::2',
    'host 4321::1 and (not 4321::2)', '(icmp6)', '((ah) or (esp and not host 4321::1))', 'not not icmp6',
    'tcp or udp or icmp6', 'host 4321::2 and port 7777 or icmp6',
    'ether proto 0x86dd', 'ether proto 0x0800', 'ether dst 33:33:00:00:00:16', 'ether host 33:33:0:0:0:1',
    'ether src host 33:33:00:00:00:16', 'ether src 2e:1d:27:49:d8:7f', 'ether host 2e:1d:27:49:d8:7f',
    'ether src or dst 2e:1d:27:49:d8:7f', 'ether src and dst 2e:1d:27:49:d8:7f',
    'host 10.0.0.1', 'ip host 1.2.3.4', 'arp host 1.2.3.4', 'net 10', 'host 5', 'host 1.2.3',
    'not(icmp6)', 'host 4321::1&&esp', '!(esp)', 'port 017141', 'port 0x1e61', 'ip6 and( tcp )', 'net 4321::/0x40',
    'src net 4321::/64 or 4444::/64', 'ether dst 3333.0000.0016', 'ether dst 33-33-00-00-00-16', 'ether dst 333300000016',
    'ether dst 33.33.0.0.0.16', 'host 4321::1 and (4321::2 or (4444::2))', 'dst port 7777 or 1000 and tcp',
]

BAD = [
    'host', 'fe80::1', 'tcp or fe80::1', 'tcp and 5', 'port 70000', 'net fe80::1/64', 'host fe80::/64',
    'tcp proto 5', 'src port fe80::1', 'ether host fe80::1', 'net fe80::/129', '(', 'tcp and',
    'ip6 host 1.2.3.4', 'src proto 5', 'ip6 proto icmp6', 'icmp6 port 5', 'ether', 'ip host fe80::1',
    'tcp host 4321::1', 'host 01:02:03:04:05:06', 'arp proto 5', 'esp proto 5', 'port 1.2.3.4',
    'proto 1.2.3.4', 'tcp and (4321::1 or tcp)', '()', 'not', 'host 4321::1)', 'ip6 and ip6 and',
    'src 4321::1 or tcp', 'ether host 1.2.3.4', 'ether proto 1.2.3.4', 'ah host 4321::1', 'icmp6 net 4321::/16',
    'esp and 1.2.3.4', 'ip6 src port 5', 'udp proto 17', 'src host', 'host 4321::1 and', 'and', 'or icmp6',
    'ether 4321::1', 'link', 'host 4321::1 4321::2', 'dst or src port 70000', 'arp 4321::1', 'ip proto 58 or ip6 proto',
    'ether src 4321::1', 'tcp port 65536', 'ip6 ip6', 'icmp icmp6', 'src dst host 4321::1',
    'ICMP6', 'icmp6 AND tcp', 'port 09', 'port 99999999999', 'port 4294967296', 'port 0x100000000', 'port 040000000000',
    'host 300.1.1.1', 'tcp port 7777 and 4321::2', 'icmp6 or 4321::2', 'port 7777 and not 4321::2', 'foo',
    'host 4321::1 and port 7777 or 4321::2', 'port 1.2.3', 'ether host 1:2:3:4:5:6 or 4321::1', 'proto 4321::1',
    'net 4321::1', 'not(icmp6)', 'port 333300000016', 'host 1.2.3.4.5.6', '!(esp)', 'port 017141',
]

def read_pcap(path):
    data = open(path, 'rb').read()
    magic = struct.unpack('<I', data[:4])[0]
    e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        recs.append((sec, frac, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return recs

def to_hex(bits):
    """Packet i selected <=> bit (3 - i % 4) of hex digit i // 4 (packets in file order, 4 a digit)."""
    bits = bits + ['0'] * (-len(bits) % 4)
    return ''.join('%x' % int(''.join(bits[i:i + 4]), 2) for i in range(0, len(bits), 4))

def main():
    version = subprocess.run(['tcpdump', '--version'], capture_output=True, text=True).stdout.splitlines()[0]
    if version != 'tcpdump version 4.99.3':
        print(f'warning: {version}; the fixture is meant to come from tcpdump 4.99.3', file=sys.stderr)
    pcaps = sorted(f for f in os.listdir(PCAPS) if f.endswith('.pcap'))
    selections = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'out.pcap')
        for flt in GOOD:
            per = {}
            for name in pcaps:
                src = os.path.join(PCAPS, name)
                p = subprocess.run(['tcpdump', '-n', '-r', src, '-w', out, flt], capture_output=True, text=True)
                if p.returncode != 0:
                    sys.exit(f'{flt!r} on {name}: {p.stderr}')
                allr, got = read_pcap(src), read_pcap(out)
                # The output is a subsequence of the input: match greedily.
                bits, j = [], 0
                for r in allr:
                    if j < len(got) and got[j] == r:
                        bits.append('1')
                        j += 1
                    else:
                        bits.append('0')
                assert j == len(got), (flt, name)
                if j > 0:
                    per[name] = to_hex(bits)
            selections[flt] = per
        errors = {}
        probe = os.path.join(PCAPS, pcaps[0])
        for flt in BAD:
            p = subprocess.run(['tcpdump', '-n', '-r', probe, flt], capture_output=True, text=True)
            lines = p.stderr.splitlines()
            errors[flt] = {'stderr': lines[-1] if p.returncode != 0 else '', 'exitCode': p.returncode}
    packets = {name: len(read_pcap(os.path.join(PCAPS, name))) for name in pcaps}
    doc = {'source': version + ', `tcpdump -n -r PCAP -w OUT FILTER` over test/fixtures/pcap; errors: last stderr line',
           'encoding': 'selections[filter][pcap]: hex, packet i selected <=> bit (3 - i % 4) of digit i // 4; pcap absent = none selected',
           'packets': packets, 'selections': selections, 'errors': errors}
    with open(OUT, 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')

main()
