#!/usr/bin/python3
"""Run `strata demo` and check what it claims against what it produced.

Cases:
  runs   exit status 0, the JSON summary has no failure and every act's
         checks (IKE, keys agree, tunnel, replay, ICV, transport, AH, TLS,
         resumption) passed; the text output shows the summary table.
  files  --pcap and --keys: the capture parses as pcap (LINKTYPE_RAW) with
         IKE on UDP 500 and 4500 between 203.0.113.1 and 203.0.113.2, ESP in
         UDP 4500, and LAN packets between 192.0.2.10 and 198.51.100.20; the
         key files hold one esp_sa record per ESP SA seen, one IKEv2 record,
         and TLS 1.3 secrets.
  ike1   `--ike 1`: IKEv1 (main mode, quick mode with PFS) runs the same
         acts: exit status 0, every required check passed, the rekey act
         passed as a quick mode with PFS, the story names SKEYID and its
         family, quick mode, KEYMAT and PFS, and it dissects the ISAKMP
         messages (cookies, main mode, quick mode) from their bytes.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys

REQUIRED = [
    "IKE SA established on C and D",
    "C and D derived the same IKE SA keys",
    "C's outbound ESP SPI and keys are D's inbound ones",
    "echo request #1 delivered unchanged",
    "refused by the anti-replay window",
    "refused by its ICV",
    "transport-mode SAs and policies installed",
    "delivered unchanged through AH",
    "TLS connection 1: handshake complete",
    "connection 2 resumed the session",
]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(strata, args, workdir):
    p = subprocess.run([strata, "demo", "--no-color"] + args, cwd=workdir, capture_output=True, text=True,
                       timeout=100)
    return p


def check_summary(j):
    if j.get("failed") != 0 or not j.get("ok"):
        fail("the demo reports failures: " + json.dumps([c for c in j["checks"] if c["status"] == "FAIL"]))
    passed = [c["check"] for c in j["checks"] if c["status"] == "PASS"]
    for want in REQUIRED:
        if not any(want in c for c in passed):
            fail(f"no passing check mentions {want!r}; passed: {passed}")
    if j["passed"] != len(passed) or j["passed"] < 25:
        fail(f"too few checks passed: {j['passed']}")


def read_pcap(path):
    data = open(path, "rb").read()
    magic, vmaj, vmin, _, _, snap, link = struct.unpack("<IHHiIII", data[:24])
    if magic != 0xA1B2C3D4 or link != 101:
        fail(f"{path}: not a LINKTYPE_RAW pcap (magic {magic:#x}, link {link})")
    off, pkts = 24, []
    while off < len(data):
        _, _, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        pkts.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return pkts


def ip4(b):
    return ".".join(str(x) for x in b)


def check_pcap(path):
    pkts = read_pcap(path)
    seen = set()
    for p in pkts:
        if p[0] >> 4 != 4:
            fail("a non-IPv4 record")
        ihl = (p[0] & 15) * 4
        proto, src, dst = p[9], ip4(p[12:16]), ip4(p[16:20])
        if proto == 17:
            sport, dport = struct.unpack(">HH", p[ihl:ihl + 4])
            payload = p[ihl + 8:]
            if {src, dst} == {"203.0.113.1", "203.0.113.2"}:
                if sport == 500 and dport == 500:
                    seen.add("ike500")
                elif sport == 4500 and dport == 4500:
                    seen.add("ike4500" if payload[:4] == b"\0\0\0\0" else "esp-in-udp")
                else:
                    fail(f"a gateway datagram on ports {sport}->{dport}: the capture must show 500/4500")
        elif proto == 50 and {src, dst} == {"203.0.113.1", "203.0.113.2"}:
            seen.add("esp")
        elif proto == 51:
            seen.add("ah")
        elif {src, dst} == {"192.0.2.10", "198.51.100.20"}:
            seen.add("lan-tcp" if proto == 6 else "lan-icmp" if proto == 1 else "lan-other")
    for want in ["ike500", "ike4500", "esp-in-udp", "esp", "ah", "lan-tcp", "lan-icmp"]:
        if want not in seen:
            fail(f"the capture has no {want} packet (seen: {sorted(seen)})")
    return len(pkts)


def check_keys(d):
    esp = [l for l in open(os.path.join(d, "esp_sa")).read().splitlines() if l and not l.startswith("#")]
    if len(esp) < 4 or not all(l.startswith('"IPv4","203.0.113.') for l in esp):
        fail(f"esp_sa: {esp}")
    ike = [l for l in open(os.path.join(d, "ikev2_decryption_table")).read().splitlines() if l]
    if len(ike) != 1 or len(ike[0].split(",")[0]) != 16:
        fail(f"ikev2_decryption_table: {ike}")
    tls = open(os.path.join(d, "sslkeylog.txt")).read().splitlines()
    labels = {l.split()[0] for l in tls if l}
    for want in ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                 "SERVER_TRAFFIC_SECRET_0"]:
        if want not in labels:
            fail(f"sslkeylog.txt lacks {want}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--case", required=True, choices=["runs", "files", "ike1"])
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    if a.case == "runs":
        p = run(a.strata, [], a.workdir)
        if p.returncode != 0:
            fail(f"exit status {p.returncode}\n{p.stdout[-4000:]}\n{p.stderr[-2000:]}")
        if "=== Summary: what was checked ===" not in p.stdout or " 0 failed" not in p.stdout:
            fail("no summary table in the output")
        # The explanations come from the bytes: the ESP header fields are printed.
        for want in ["ESP SPI 0x", "ESP sequence number 1", "ENCRYPTED (aes128gcm16)", "AH SPI 0x00002001",
                     "handshake:ClientHello", "IKE_SA_INIT request"]:
            if want not in p.stdout:
                fail(f"the story lacks {want!r}")
        p = run(a.strata, ["--json"], a.workdir)
        if p.returncode != 0:
            fail(f"--json: exit status {p.returncode}\n{p.stderr[-3000:]}")
        j = json.loads(p.stdout)
        check_summary(j)
        # The CHILD SA rekey with PFS runs in IKEv2 mode too (Engine::rekey_child).
        if j.get("not_available", 0) != 0 or not any(
                "the new SA used a fresh Diffie-Hellman exchange (PFS)" in c["check"] and c["status"] == "PASS"
                for c in j["checks"]):
            fail("the IKEv2 CHILD SA rekey with PFS did not run and pass")
    elif a.case == "files":
        pcap = os.path.join(a.workdir, "demo.pcap")
        keys = os.path.join(a.workdir, "keys")
        p = run(a.strata, ["--json", "--quiet", "--pcap", pcap, "--keys", keys], a.workdir)
        if p.returncode != 0:
            fail(f"exit status {p.returncode}\n{p.stderr[-3000:]}")
        check_summary(json.loads(p.stdout))
        n = check_pcap(pcap)
        check_keys(keys)
        print(f"{n} packets in the capture")
    else:
        p = run(a.strata, ["--ike", "1", "--json"], a.workdir)
        if p.returncode != 0:
            fail(f"--ike 1: exit status {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
        j = json.loads(p.stdout)
        if j.get("ike_version") != 1:
            fail("--ike 1 ran but the summary does not say IKEv1")
        check_summary(j)
        passed = [c["check"] for c in j["checks"] if c["status"] == "PASS"]
        for want in ["SKEYID, SKEYID_d, SKEYID_a, SKEYID_e", "quick mode used PFS",
                     "IPsec SAs negotiated on C and D by quick mode", "the CHILD SA was rekeyed on C and D",
                     "the new SA used a fresh Diffie-Hellman exchange (PFS)", "went with the new SPI"]:
            if not any(want in c for c in passed):
                fail(f"--ike 1: no passing check mentions {want!r}")
        if j.get("not_available", 0) != 0:
            fail(f"--ike 1: {j['not_available']} step(s) not available")
        p = run(a.strata, ["--ike", "1"], a.workdir)
        if p.returncode != 0:
            fail(f"--ike 1 (text): exit status {p.returncode}\n{p.stdout[-3000:]}")
        story = p.stdout
        for want in ["SKEYID   = prf(PSK, Ni_b | Nr_b)", "SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)",
                     "SKEYID_e", "Quick mode", "KEYMAT = prf(SKEYID_d, g(qm)^xy", "PFS",
                     "ISAKMP IdentityProtection", "ISAKMP QuickMode", "E flag", "NAT-D", "Vendor ID: dead peer"]:
            if want not in story:
                fail(f"--ike 1: the story lacks {want!r}")
    print("ok")


if __name__ == "__main__":
    main()
