#!/usr/bin/python3
"""tshark reads what Strata writes: ESP/AH packets from `strata pcap protect`
are dissected with the right SPI and sequence numbers and, given the esp_sa
records `--wireshark-keys` writes, tshark decrypts the ESP and shows the inner
ICMP/UDP packet with the inner addresses, and the ICV checks Good.

  tshark_check.py --strata BIN --case CASE --workdir DIR [--tshark tshark]

Case names as in ipsec_common.py (no check suffix). Wireshark 4.0 has no ESN
setting: with ESN the ICV is not checked (decryption still works), and it
cannot decrypt ChaCha20-Poly1305 ESP at all (no such case is registered).
Exits 77 (ctest: skipped, not passed) when tshark is not installed.
"""

import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
import ipsec_common as C  # noqa: E402

SKIP = 77


def tshark(binary, pcap, fields, opts=()):
    cmd = [binary, "-n", "-r", pcap]
    for o in opts:
        cmd += ["-o", o]
    cmd += ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s" % (" ".join(cmd), r.returncode, r.stderr))
    if "Dissector bug" in r.stdout or "Dissector bug" in r.stderr or "Invalid -o flag" in r.stderr:
        raise AssertionError("tshark complained:\n%s\n%s" % (r.stdout, r.stderr))
    rows = [dict(zip(fields, line.split("\t"))) for line in r.stdout.splitlines()]
    return rows, " ".join(cmd), r.stdout


def packets(case):
    # A subset of the differential test's packets: ICMP and UDP, sizes that need padding.
    return C.plaintext_packets(case)[:8]


def inner_expectation(case, orig):
    """(ICMP type or None, UDP destination port or None) of the plaintext packet."""
    from scapy.layers.inet import ICMP, UDP
    from scapy.layers.inet6 import ICMPv6EchoRequest
    if orig.haslayer(UDP):
        return None, str(orig[UDP].dport)
    if orig.haslayer(ICMP):
        return str(orig[ICMP].type), None
    if orig.haslayer(ICMPv6EchoRequest):
        return str(orig[ICMPv6EchoRequest].type), None
    raise AssertionError("unexpected plaintext packet")


def check_inner(case, rows, pkts, what, cmd, out):
    ipsrc = "ip.src" if case.ip == "v4" else "ipv6.src"
    icmp = "icmp.type" if case.ip == "v4" else "icmpv6.type"
    for i, (row, orig) in enumerate(zip(rows, pkts)):
        want_icmp, want_port = inner_expectation(case, orig)
        srcs = row.get(ipsrc, "").split(",")
        want_srcs = [case.sa_src, case.addr["src"]] if case.mode == "tunnel" else [case.addr["src"]]
        got_icmp = row.get(icmp, "") or None
        got_port = row.get("udp.dstport", "") or None
        if srcs != want_srcs or got_icmp != want_icmp or got_port != want_port:
            raise AssertionError("%s packet %d: tshark shows %s=%s %s=%s udp.dstport=%s, expected %s %s %s\n"
                                 "command: %s\noutput:\n%s"
                                 % (what, i + 1, ipsrc, srcs, icmp, got_icmp, got_port,
                                    want_srcs, want_icmp, want_port, cmd, out))


def main():
    args = C.common_args(sys.argv[1:], __doc__.splitlines()[0])
    binary = shutil.which(os.environ.get("TSHARK", "tshark"))
    if not binary:
        print("SKIP: tshark is not installed (apt-get install tshark)")
        sys.exit(SKIP)
    case = C.Case(args.case)
    if case.check or case.encryption == "chacha20poly1305":
        raise C.CaseError("no tshark check for %s" % case.name)
    pkts = packets(case)
    keys = os.path.join(args.workdir, case.name + ".esp_sa")
    verdicts, out, stdout = C.strata_pcap(args.strata, args.workdir, "protect", C.manual_keying_toml(case),
                                          pkts, case.name, extra=["--wireshark-keys", keys])
    if [v["verdict"] for v in verdicts] != ["protected"] * len(pkts) or len(out) != len(pkts):
        raise AssertionError("strata did not protect every packet:\n%s" % stdout)
    pcap = os.path.join(args.workdir, case.name + "-out.pcap")
    p = case.proto

    # 1. Dissection without keys: SPI and sequence numbers (and for AH the inner packet).
    fields = ["%s.spi" % p, "%s.sequence" % p]
    if p == "ah":
        fields += ["ip.src", "ipv6.src", "icmp.type", "icmpv6.type", "udp.dstport"]
    rows, cmd, tout = tshark(binary, pcap, fields)
    if len(rows) != len(pkts):
        raise AssertionError("tshark shows %d packets, expected %d\n%s" % (len(rows), len(pkts), tout))
    for i, row in enumerate(rows):
        spi = int(row["%s.spi" % p].split()[0], 0) if row["%s.spi" % p] else None
        seq = int(row["%s.sequence" % p]) if row["%s.sequence" % p] else None
        if (spi, seq) != (C.SPI, i + 1):
            raise AssertionError("packet %d: tshark shows %s spi=%r seq=%r, expected spi=0x%08x seq=%d\n"
                                 "command: %s\noutput:\n%s" % (i + 1, p, spi, seq, C.SPI, i + 1, cmd, tout))
    if p == "ah":
        check_inner(case, rows, pkts, "AH", cmd, tout)
        print("tshark: %d AH packets with spi=0x%08x seq 1..%d, inner packets shown"
              % (len(pkts), C.SPI, len(pkts)))
        return

    # 2. Decryption with the esp_sa records strata wrote.
    with open(keys) as f:
        records = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    if len(records) != 1:
        raise AssertionError("%s: expected one esp_sa record for the one ESP SA (both ends share it), got %r"
                             % (keys, records))
    opts = ["esp.enable_encryption_decode:TRUE", "esp.enable_authentication_check:TRUE",
            "uat:esp_sa:" + records[0]]
    fields = ["esp.spi", "esp.sequence", "ip.src" if case.ip == "v4" else "ipv6.src",
              "icmp.type" if case.ip == "v4" else "icmpv6.type", "udp.dstport", "esp.icv_good", "esp.icv_bad"]
    rows, cmd, tout = tshark(binary, pcap, fields, opts)
    check_inner(case, rows, pkts, "ESP decrypted", cmd, tout)
    if not case.esn:
        bad = [i + 1 for i, r in enumerate(rows) if r.get("esp.icv_good") not in ("1", "True")]
        if bad:
            raise AssertionError("tshark's ICV check is not Good for packets %s\ncommand: %s\noutput:\n%s"
                                 % (bad, cmd, tout))
    print("tshark: %d ESP packets with spi=0x%08x seq 1..%d, decrypted to the inner packets%s"
          % (len(pkts), C.SPI, len(pkts), "" if case.esn else ", ICV Good"))


if __name__ == "__main__":
    C.main_wrapper(main)
