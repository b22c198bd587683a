"""Case 3: Scapy's ESP (scapy.layers.ipsec) on the packets of the xfrmsim ESP bench.

Tunnel mode IPv6, AES-CBC 128 + HMAC-SHA1-96: the ICMPv6 echo request with PAYLOAD data bytes is
encrypted and decrypted COUNT times. Prints one JSON line: {"pps": ..., "payload": ..., "wire": ...}
(a packet = one encrypt + one decrypt, as one packet of the xfrmsim bench is).

    python3 bench/scapy_esp.py PAYLOAD COUNT
"""

import json
import sys
import time

from scapy.layers.inet6 import IPv6, ICMPv6EchoRequest
from scapy.layers.ipsec import ESP, SecurityAssociation


def main() -> None:
    payload = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    a, b = "2001:db8:1::2", "2001:db8:2::2"
    sa = SecurityAssociation(
        ESP,
        spi=0x1001,
        crypt_algo="AES-CBC",
        crypt_key=bytes([0x11]) * 16,
        auth_algo="HMAC-SHA1-96",
        auth_key=bytes([0x22]) * 20,
        tunnel_header=IPv6(src=a, dst=b),
    )
    pkt = IPv6(src=a, dst=b) / ICMPv6EchoRequest(id=4242, seq=1, data=bytes(i & 0xFF for i in range(payload)))
    pkt = IPv6(bytes(pkt))
    for _ in range(max(50, count // 10)):
        sa.decrypt(sa.encrypt(pkt))
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(count):
            sa.decrypt(sa.encrypt(pkt))
        runs.append(count / (time.perf_counter() - t0))
    runs.sort()
    wire = len(bytes(sa.encrypt(pkt)))
    print(json.dumps({"pps": runs[1], "payload": payload, "wire": wire}))


if __name__ == "__main__":
    main()
