#!/usr/bin/env python3
"""End-to-end test of `strata gateway` with manually keyed transport-mode SAs.

The case builds its own namespaces (A - C == D - B, ../shared/interop/
topology.sh) under a prefix of its own, runs a Strata gateway in C and one
in D with examples/gateway/transport-{c,d}-sas.toml (no IKE), checks, stops
the gateways with SIGTERM (each must exit 0) and tears the namespaces down.
Exit 0: pass.

Cases:
  manual_transport  C and D protect their own traffic with manual SAs in
                    transport mode: TCP with an ESP pair (AES-GCM-128, IP
                    protocol 50), everything else with an AH pair (HMAC-MD5,
                    the lecture's example (a)). Five pings C->D all answered,
                    and on the internet link each is AH (IP protocol 51) of
                    exactly the transport-mode length (tunnel mode would add
                    20 bytes), with the ICMP visible but authenticated; 256 KiB
                    of TCP C->D arrive intact as ESP only; nothing crosses in
                    clear; the SAs' packet counters moved on both sides and no
                    drop counter (ICV, replay, unknown SPI, policy, send) did;
                    list-sas shows transport-mode AH and ESP SAs; A->B stays
                    unrouted. `strata gateway --check` accepts the examples.
  ecn_outer         RFC 6040 §4.1: C and D with the manual tunnel-mode SAs of
                    examples/gateway/site-{c,d}-sas.toml (ESP in UDP 4500);
                    pings A->B marked ECT(0), ECT(1), Not-ECT and ECT(0)
                    again: on the internet link the outer IP header of each
                    of C's datagrams carries its inner packet's ECN.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gateway_e2e as e2e  # noqa: E402  (namespaces, capture helpers)
import gateway_certs as gc  # noqa: E402  (TCP C->D helper)
import gateway_ike as gi  # noqa: E402  (env)

Fail = e2e.Fail
run = e2e.run
ns_run = e2e.ns_run
ADDR = gi.ADDR
EXAMPLES = e2e.EXAMPLES
ICMP_DATA = 100  # ping -s: an ICMP message of 108 bytes
AH_MD5_LEN = 12 + 12  # RFC 4302 §2: 12 bytes of header, then the 96-bit ICV (RFC 2403)

# Drop counters that must stay at zero: a wrong key, a replay, a lost SA,
# a policy mismatch or a refused send would show here.
CLEAN = {"ipsec_drops": ["IcvMismatch", "UnknownSpi", "ReplayDuplicate", "ReplayTooOld", "PolicyMismatch",
                         "Malformed", "Truncated", "NoSa", "SaExpired"],
         "gateway_drops": ["SendFailed", "SendBufferFull", "TunBypass", "TunWriteError"]}


def write_config(env, gw):
    text = f"""[gateway]
addresses = ["{ADDR[gw]}"]
tun = "strata0"
control_socket = "{env.sock(gw)}"
log_level = "debug"
manual = "{EXAMPLES}/transport-{gw}-sas.toml"
"""
    with open(os.path.join(env.work, f"{gw}.toml"), "w") as f:
        f.write(text)


def drops(env, gw):
    c = env.ctl_json(gw, "counters")
    return {f"{sec}.{k}": c[sec][k] for sec, keys in CLEAN.items() for k in keys}


def sa_by_name(env, gw):
    return {(s["name"], s["direction"]): s for s in env.ctl_json(gw, "list-sas")}


def case_manual_transport(env):
    for name in ("transport-c.toml", "transport-d.toml"):
        r = run([env.strata, "gateway", "--check", "--config", os.path.join(EXAMPLES, name)], check=False)
        if r.returncode != 0:
            raise Fail(f"--check refused examples/gateway/{name}:\n{r.stdout}{r.stderr}")
        print(f"examples/gateway/{name}: {r.stdout.strip()}")
    for gw in ("c", "d"):
        write_config(env, gw)
    env.start("d")
    env.start("c")
    for gw in ("c", "d"):
        sas = env.ctl_json(gw, "list-sas")
        kinds = sorted((s["protocol"], s["mode"], s["direction"]) for s in sas)
        want = sorted((p, "transport", d) for p in ("AH", "ESP") for d in ("in", "out"))
        if [(p.upper(), m, d) for p, m, d in kinds] != want:
            raise Fail(f"{gw}: SAs {kinds}, expected {want}")
    before = {gw: drops(env, gw) for gw in ("c", "d")}

    def pings():
        r = ns_run(env.ns("c"), ["ping", "-c", "5", "-i", "0.2", "-W", "2", "-s", str(ICMP_DATA), ADDR["d"]],
                   check=False)
        if " 0% packet loss" not in r.stdout:
            raise Fail(f"ping C->D over AH:\n{r.stdout}{r.stderr}\nC:\n{env.log('c')[-3000:]}\n"
                       f"D:\n{env.log('d')[-3000:]}")
        time.sleep(1.0)  # let the capture write the last frames
    pcap = e2e.capture(env, pings)
    # RFC 4302 §3.1.1: transport mode puts AH between the IP header and the
    # ICMP message; tunnel mode (§3.1.2) would add a 20-byte inner header.
    want = 20 + AH_MD5_LEN + 8 + ICMP_DATA
    lens = run(["tshark", "-r", pcap, "-Y", "ip.proto == 51", "-T", "fields", "-e", "ip.len"]).stdout.split()
    got = sorted({int(x) for x in lens})
    # 5 requests and 5 replies crossed (ping saw every reply); a loaded
    # machine's capture may miss a frame, never a different length.
    if len(lens) < 6 or len(lens) > 10 or got != [want]:
        raise Fail(f"expected up to 10 AH packets of {want} bytes (tunnel mode: {want + 20}), got {len(lens)} "
                   f"of length(s) {got} ({pcap})")
    spis = set(run(["tshark", "-r", pcap, "-Y", "ah", "-T", "fields", "-e", "ah.spi"]).stdout.split())
    if spis != {"0x00003003", "0x00003004"}:
        raise Fail(f"AH SPIs on the link: {spis}, expected C->D 0x00003003 and D->C 0x00003004 ({pcap})")
    bare = e2e.tshark_count(pcap, "icmp and not ah")
    other = e2e.tshark_count(pcap, "not ah and not arp and not (icmpv6.type >= 133 and icmpv6.type <= 136) "
                             "and not icmpv6.type == 143")
    if bare or other:
        raise Fail(f"{bare} ICMP frame(s) without AH, {other} frame(s) that are not AH ({pcap})")
    print(f"AH transport: 5 pings C->D answered, {len(lens)} AH frames captured, all {want} bytes "
          f"(tunnel mode: {want + 20}), SPIs {sorted(spis)}, no ICMP without AH")

    pcap = e2e.capture(env, lambda: gc.tcp_c_to_d(env, 256 * 1024))
    esp = e2e.tshark_count(pcap, "ip.proto == 50")
    clear = e2e.tshark_count(pcap, "tcp or icmp or udp.port == 5002")
    other = e2e.tshark_count(pcap, "not ip.proto == 50 and not arp and not (icmpv6.type >= 133 and "
                             "icmpv6.type <= 136) and not icmpv6.type == 143")
    if clear or other or esp < 100:
        raise Fail(f"TCP C->D: {esp} ESP frames, {clear} in clear, {other} others on the internet link ({pcap})")
    print(f"ESP transport: 256 KiB over TCP C->D arrived intact as {esp} ESP frames, nothing else on the link")

    for gw, other_gw in (("c", "d"), ("d", "c")):
        sas = sa_by_name(env, gw)
        for proto in ("esp", "ah"):
            out = sas.get((f"{gw}-to-{other_gw}-{proto}", "out"))
            inn = sas.get((f"{other_gw}-to-{gw}-{proto}", "in"))
            if not out or not inn:
                raise Fail(f"{gw}: no {proto} SA pair in {sorted(sas)}")
            # AH: 5 pings each way. ESP: 256 KiB of TCP one way (>= 100
            # segments), its ACKs the other (delayed ACKs: fewer).
            low_out, low_in = (5, 5) if proto == "ah" else ((100, 10) if gw == "c" else (10, 100))
            if out["packets"] < low_out or inn["packets"] < low_in:
                raise Fail(f"{gw}: {proto} SAs carried {out['packets']} out / {inn['packets']} in")
        after = drops(env, gw)
        moved = {k: (before[gw][k], v) for k, v in after.items() if v != before[gw][k]}
        if moved:
            raise Fail(f"{gw}: drop counters moved: {moved}")
    print("SA counters moved on both sides, drop counters clean: " + ", ".join(CLEAN["ipsec_drops"]))
    # The LANs are not part of these SAs: A->B has no route and no SA.
    r = ns_run(env.ns("a"), ["ping", "-c", "1", "-W", "1", "203.0.113.10"], check=False)
    if r.returncode == 0:
        raise Fail("A reached B although no SA covers the LANs")


def case_ecn_outer(env):
    """RFC 6040 §4.1 (normal mode): the outer header of UDP-encapsulated ESP
    carries the ECN field of the packet inside."""
    env.write_configs("udp")  # site-{c,d}-sas.toml: tunnel mode, ESP in UDP 4500
    env.start("c")
    env.start("d")
    marks = {0: [], 1: ["-Q", "1"], 2: ["-Q", "2"]}  # Not-ECT, ECT(1), ECT(0) (RFC 3168 §5)

    def traffic():
        for ecn in (2, 1, 0, 2):  # twice ECT(0): the socket's setting changes back
            r = ns_run(env.ns("a"), ["ping", "-c", "3", "-i", "0.2", "-W", "2"] + marks[ecn] + ["203.0.113.10"],
                       check=False)
            if " 0% packet loss" not in r.stdout:
                raise Fail(f"ping A->B with ECN {ecn}:\n{r.stdout}{r.stderr}")
            time.sleep(0.3)
        time.sleep(1.0)
    pcap = e2e.capture(env, traffic)
    rows = run(["tshark", "-r", pcap, "-Y", "esp and udp.port == 4500 and ip.src == 198.51.100.1", "-T", "fields",
                "-e", "ip.dsfield.ecn"]).stdout.split()
    got = [int(x, 0) for x in rows]
    counts = {e: got.count(e) for e in (0, 1, 2, 3)}
    # 12 echo requests crossed C->D: 6 ECT(0), 3 ECT(1), 3 Not-ECT; a loaded
    # machine's capture may miss a frame, never show another mark.
    if len(got) > 12 or counts[3] or counts[2] < 4 or counts[1] < 2 or counts[0] < 2 or \
            counts[2] > 6 or counts[1] > 3 or counts[0] > 3:
        raise Fail(f"outer ECN of C's ESP-in-UDP datagrams: {counts} (want 6x ECT(0), 3x ECT(1), 3x Not-ECT) "
                   f"({pcap})")
    print(f"outer ECN copied from the inner header: {counts[2]} ECT(0), {counts[1]} ECT(1), {counts[0]} Not-ECT "
          f"of {len(got)} ESP-in-UDP datagrams C->D")


def main():
    return gi.run_cases({"manual_transport": case_manual_transport, "ecn_outer": case_ecn_outer}, prefix="gm")


if __name__ == "__main__":
    sys.exit(main())
