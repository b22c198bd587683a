#!/usr/bin/python3
"""Verify AH/ESP packets with Scapy's SecurityAssociation (an implementation independent of xfrmsim).

usage: ipsec_verify.py SPEC.json
SPEC = {"cases": [{"pcap": path, "proto": "ah"|"esp", "spi": int, "mode": "transport"|"tunnel",
                   "crypt": null|"AES-CBC"|"AES-GCM", "crypt_key": hex, "crypt_icv": int|null,
                   "auth": null|"HMAC-SHA1-96"|..., "auth_key": hex, "auth_icv": int|null,
                   "esn": int|null}]}
Prints JSON: {"results": [[{"ok": true, "plain": hex} | {"ok": false, "error": text}, ...per packet], ...per case]}
"""
import json
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import algorithms, modes
from cryptography.hazmat.primitives.hmac import HMAC
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import AH, AUTH_ALGOS, CRYPT_ALGOS, ESP, AuthAlgo, CryptAlgo, SecurityAssociation
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap
from scapy.compat import raw

DIGESTS = {"md5": hashes.MD5, "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def auth_algo(name, icv):
    """Scapy's table has only the RFC truncations; Linux's `auth hmac(sha256)` sends 96 bits, so build any HMAC-<digest>-<bytes>."""
    if name is None:
        return None
    digest = name.split("-")[1].lower()
    key = "xfrmsim-%s-%d" % (digest, icv)
    if key not in AUTH_ALGOS:
        AUTH_ALGOS[key] = AuthAlgo(key, mac=HMAC, digestmod=DIGESTS[digest], icv_size=icv)
    return key


def crypt_algo(name, icv):
    """Scapy's 'AES-GCM' goes through cryptography's AESGCM, which only takes 16-byte tags. For 8 and
    12-byte ICVs use Scapy's other GCM path (Cipher + modes.GCM with min_tag_length = ICV length)."""
    if name != "AES-GCM" or icv in (None, 16):
        return name
    if "AES-GCM-TAG" not in CRYPT_ALGOS:
        CRYPT_ALGOS["AES-GCM-TAG"] = CryptAlgo(
            "AES-GCM-TAG", cipher=algorithms.AES, mode=modes.GCM, key_size=(16, 24, 32), salt_size=4, block_size=1,
            iv_size=8, icv_size=16, format_mode_iv=lambda sa, iv, **kw: sa.crypt_salt + iv)
    return "AES-GCM-TAG"


def main():
    spec = json.load(open(sys.argv[1]))
    out = []
    for case in spec["cases"]:
        proto = AH if case["proto"] == "ah" else ESP
        kwargs = {}
        if case.get("crypt"):
            kwargs["crypt_algo"] = crypt_algo(case["crypt"], case.get("crypt_icv"))
            kwargs["crypt_key"] = bytes.fromhex(case["crypt_key"])
            if case.get("crypt_icv"):
                kwargs["crypt_icv_size"] = case["crypt_icv"]
        elif proto is ESP:
            kwargs["crypt_algo"] = "NULL"
        if case.get("auth"):
            kwargs["auth_algo"] = auth_algo(case["auth"], case["auth_icv"])
            kwargs["auth_key"] = bytes.fromhex(case["auth_key"])
        if case["mode"] == "tunnel":
            kwargs["tunnel_header"] = IPv6()
        if case.get("esn") is not None:
            kwargs["esn_en"] = True
            kwargs["esn"] = case["esn"]
        sa = SecurityAssociation(proto, spi=case["spi"], **kwargs)
        results = []
        for frame in rdpcap(case["pcap"]):
            pkt = Ether(raw(frame))[IPv6]
            try:
                plain = sa.decrypt(pkt)
                results.append({"ok": True, "plain": raw(plain).hex()})
            except Exception as e:  # noqa: BLE001 - report every failure to the test
                results.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
        out.append(results)
    json.dump({"results": out}, sys.stdout)


if __name__ == "__main__":
    main()
