#!/usr/bin/python3
"""tshark decrypts what `strata demo` captured, with the keys it wrote.

Runs `strata demo --pcap demo.pcap --keys keys/`, then tshark (4.0) with the
esp_sa and ikev2_decryption_table records as uat: options and the NSS key
log as tls.keylog_file (the command line docs/demo.md gives), and checks:
  - ESP: decrypted frames show the inner ICMP echo and TCP between
    192.0.2.10 and 198.51.100.20, with the ICV checked [correct];
  - IKEv2: the IKE_AUTH SK payloads decrypt to the identities
    gw-c.example.org and gw-d.example.org;
  - TLS: the encrypted handshake's Certificate (type 11) and the
    application data of both connections are readable.
With --ike 1 the demo runs IKEv1 and writes ikev1_decryption_table: the
encrypted main mode messages (MM5/MM6) must decrypt to the identities and
HASH payloads, and quick mode to its HASH/SA/Nonce/KE payloads.
Without the keys none of this must be visible (checked too, so that the
test cannot pass on a capture that was never encrypted). Exit 77 (skip)
if tshark is not installed.
"""
import argparse
import os
import shutil
import subprocess
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def records(path):
    return [l for l in open(path).read().splitlines() if l.strip() and not l.startswith("#")]


def tshark(pcap, opts, *args):
    p = subprocess.run(["tshark", "-n", "-r", pcap] + opts + list(args), capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        fail(f"tshark failed: {p.stderr[-2000:]}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--ike", type=int, default=2, choices=[1, 2])
    a = ap.parse_args()
    if shutil.which("tshark") is None:
        print("tshark not installed")
        sys.exit(77)
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    pcap = os.path.join(a.workdir, "demo.pcap")
    keys = os.path.join(a.workdir, "keys")
    p = subprocess.run([a.strata, "demo", "--quiet", "--no-color", "--ike", str(a.ike), "--pcap", pcap, "--keys", keys],
                       capture_output=True, text=True, timeout=100)
    if p.returncode != 0:
        fail(f"strata demo failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-2000:]}")
    opts = ["-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE"]
    for r in records(os.path.join(keys, "esp_sa")):
        opts += ["-o", "uat:esp_sa:" + r]
    table = "ikev1_decryption_table" if a.ike == 1 else "ikev2_decryption_table"
    for r in records(os.path.join(keys, table)):
        opts += ["-o", f"uat:{table}:" + r]
    opts += ["-o", "tls.keylog_file:" + os.path.join(keys, "sslkeylog.txt")]

    # Without keys: nothing inside is visible.
    bare = tshark(pcap, [], "-Y", "esp && (icmp || tcp)")
    if bare.strip():
        fail("ICMP/TCP inside ESP is visible without the keys:\n" + bare[:1000])
    bare_v = tshark(pcap, [], "-V", "-Y", "isakmp")
    if "gw-c.example.org" in bare_v:
        fail("the IKE identities are visible without the keys")

    esp_icmp = tshark(pcap, opts, "-Y", "esp && icmp && ip.src == 192.0.2.10")
    esp_tcp = tshark(pcap, opts, "-Y", "esp && tcp.port == 443")
    if not esp_icmp.strip():
        fail("no decrypted ICMP inside ESP")
    if not esp_tcp.strip():
        fail("no decrypted TCP inside ESP")
    icv = tshark(pcap, opts, "-V", "-Y", "esp && icmp")
    if "[correct]" not in icv:
        fail("ESP ICV not checked [correct]")
    ike = tshark(pcap, opts, "-V", "-Y", "isakmp")
    for ident in ["gw-c.example.org", "gw-d.example.org"]:
        if ident not in ike:
            fail(f"IKEv{a.ike} not decrypted: {ident} not found")
    if a.ike == 1:
        # Quick mode decrypted: its SA payload names ESP, and the PFS KE is there.
        qm = tshark(pcap, opts, "-V", "-Y", "isakmp.exchangetype == 32")
        if "Protocol ID: IPSEC_ESP" not in qm or "Payload: Key Exchange" not in qm:
            fail("IKEv1 quick mode not decrypted (no ESP proposal / KE payload)\n" + qm[:3000])
        if "Malformed" in tshark(pcap, opts, "-V", "-Y", "isakmp"):
            fail("tshark reports a malformed ISAKMP packet")
    # In TLS 1.3 the Certificate is encrypted: seeing it proves the key log worked.
    certs = tshark(pcap, opts, "-Y", "tls.handshake.type == 11")
    if not certs.strip():
        fail("TLS not decrypted: no Certificate message")
    http = tshark(pcap, opts, "-x", "-Y", "tls && tcp.srcport == 443")
    if "hello A, this is B" not in http and "hello A, this" not in http.replace("\n", ""):
        # The hex dump's text column shows the decrypted application data.
        dump = tshark(pcap, opts, "-x", "-Y", "tls")
        if "hello A" not in dump:
            fail("TLS application data not decrypted")
    print(f"decrypted: {len(esp_icmp.splitlines())} ICMP and {len(esp_tcp.splitlines())} TCP frames in ESP,"
          f" IKEv{a.ike} identities, TLS Certificate ({len(certs.splitlines())} frames)")
    print("ok")


if __name__ == "__main__":
    main()
