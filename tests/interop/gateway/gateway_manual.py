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
  manual_ah6        AH over IPv6 (HMAC-SHA-256, 128-bit ICV) between C
                    (2001:db8:ff::1) and D (2001:db8:ff::2), in transport mode
                    for the gateways' own traffic and in tunnel mode for
                    LAN1 <-> LAN2 (IPv6), one SA pair each: ping -6 C->D and
                    A->B all answered; on the internet link every IPv6
                    packet C->D and D->C is AH (next header 51) of the
                    transport- or tunnel-mode length, with tshark's AH
                    fields as RFC 4302 §2 lays them out (length field 6:
                    12 + 16 bytes padded to 32, a 16-byte ICV, the SPIs,
                    sequence numbers counting up), no ICMPv6 echo without
                    AH; the AH SAs' counters moved and no drop counter did.
  dscp_udp4         RFC 4301 §5.1.2.1 copy_dscp per SA: C and D with tunnel
  dscp_esp6         SAs (LAN1 <-> LAN2, IPv4 and IPv6 inside), ESP in UDP
                    over IPv4 (dscp_udp4) or ESP as IP protocol 50 over IPv6
                    (dscp_esp6), first with the defaults, then with C's
                    outbound SA copy_dscp = "no" and D's inbound SA
                    copy_dscp = "in". A pings B with ping -Q 0xb8 (EF)
                    and ping -6 -Q 0xb8: all answered; on the internet link
                    C's ESP carries DSCP 46 (EF) under the default and 0
                    with "no"; on D's LAN link the echo requests reach B
                    with DSCP EF under the default and 0 with "in" (the
                    outer DSCP copied in, the IPv4 checksum rewritten: B
                    answers).
  dscp_ikev2        The same through an IKEv2 child (PSK, ESP in UDP): C's
                    child copy_dscp = "no", D's copy_dscp = "in": DSCP 0 on
                    C's ESP and in the echo requests reaching B.
"""
import os
import subprocess
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


C6, D6 = "2001:db8:ff::1", "2001:db8:ff::2"
# Test keys (not secret: they exist only in these namespaces).
KEYS = {"c-to-d": "0x2b7e151628aed2a6abf7158809cf4f3c", "d-to-c": "0x3c4f7e098815f7aba6d2ae2816157e2b"}


def sa_entry(name, direction, spi, src, dst, proto, mode, reqid=None, udp=False, extra=""):
    """One [[sa]] of the manual-keying format: ESP with AES-GCM-128 or AH
    with HMAC-SHA-256, keyed from KEYS by its C->D / D->C name."""
    base = name.split("-")[0] + "-to-" + name.split("-")[2]
    if proto == "esp":
        alg = f'encryption = "aes128gcm16"\nencryption_key = "{KEYS[base]}a0a1a2a3"'
    else:
        alg = f'integrity = "sha256"\nintegrity_key = "{KEYS[base]}{KEYS[base][2:]}"'
    return f"""[[sa]]
name = "{name}"
direction = "{direction}"
protocol = "{proto}"
mode = "{mode}"
spi = {spi}
src = "{src}"
dst = "{dst}"
{alg}
{'reqid = ' + str(reqid) if reqid else ''}
replay_window = 1024
udp_encap = {'true' if udp else 'false'}
{extra}
"""


def policy(name, direction, local, remote, proto, mode, reqid, tsrc=None, tdst=None):
    tun = f'tunnel_src = "{tsrc}"\ntunnel_dst = "{tdst}"\n' if mode == "tunnel" else ""
    return f"""[[policy]]
name = "{name}"
direction = "{direction}"
local = "{local}"
remote = "{remote}"
action = "protect"
protect = ["{proto}"]
mode = "{mode}"
{tun}reqid = {reqid}
"""


def write_manual(env, gw, sas_text):
    sas_path = os.path.join(env.work, f"{gw}-sas.toml")
    with open(sas_path, "w") as f:
        f.write(sas_text)
    with open(os.path.join(env.work, f"{gw}.toml"), "w") as f:
        f.write(f"""[gateway]
addresses = ["{ADDR[gw]}", "{C6 if gw == 'c' else D6}"]
tun = "strata0"
control_socket = "{env.sock(gw)}"
log_level = "debug"
manual = "{sas_path}"
""")


def pinger(env, src_ns, dst, v6=False, count=3, extra=()):
    r = ns_run(env.ns(src_ns), ["ping"] + (["-6"] if v6 else []) +
               ["-c", str(count), "-i", "0.2", "-W", "2"] + list(extra) + [dst], check=False)
    if " 0% packet loss" not in r.stdout:
        raise Fail(f"ping {'-6 ' if v6 else ''}{' '.join(extra)} {src_ns}->{dst}:\n{r.stdout}{r.stderr}\n"
                   f"C:\n{env.log('c')[-3000:]}\nD:\n{env.log('d')[-3000:]}")


AH6_ICMP = 56  # ping's default data: an ICMPv6 echo of 64 bytes
AH6_LEN = 32   # RFC 4302 §2.2: 12 + 16 (HMAC-SHA-256-128) = 28, padded to 8 bytes over IPv6 (§3.3.3.2.1)


def case_manual_ah6(env):
    """Manual AH over IPv6 in transport and tunnel mode between two Strata
    gateways (IPV6_HDRINCL out, the header rebuilt from IPV6_RECVPKTINFO in)."""
    for gw, (me, peer) in (("c", (C6, D6)), ("d", (D6, C6))):
        out, inn = (("c-to-d", "d-to-c") if gw == "c" else ("d-to-c", "c-to-d"))
        spi_t = {"c-to-d": "0x00006001", "d-to-c": "0x00006002"}
        spi_u = {"c-to-d": "0x00006003", "d-to-c": "0x00006004"}
        lan_me, lan_peer = ("2001:db8:1::/64", "2001:db8:2::/64") if gw == "c" else \
            ("2001:db8:2::/64", "2001:db8:1::/64")
        text = (sa_entry(f"{out}-ah-t", "out", spi_t[out], me, peer, "ah", "transport", reqid=1) +
                sa_entry(f"{inn}-ah-t", "in", spi_t[inn], peer, me, "ah", "transport") +
                sa_entry(f"{out}-ah-u", "out", spi_u[out], me, peer, "ah", "tunnel", reqid=2) +
                sa_entry(f"{inn}-ah-u", "in", spi_u[inn], peer, me, "ah", "tunnel") +
                policy("own-out", "out", me, peer, "ah", "transport", 1) +
                policy("own-in", "in", me, peer, "ah", "transport", 3) +
                policy("lan-out", "out", lan_me, lan_peer, "ah", "tunnel", 2, me, peer) +
                policy("lan-in", "in", lan_me, lan_peer, "ah", "tunnel", 4, peer, me))
        write_manual(env, gw, text)
        r = run([env.strata, "gateway", "--check", "--config", os.path.join(env.work, f"{gw}.toml")], check=False)
        if r.returncode != 0:
            raise Fail(f"--check refused AH over IPv6 for {gw}:\n{r.stdout}{r.stderr}")
    env.start("d")
    env.start("c")
    before = {gw: drops(env, gw) for gw in ("c", "d")}

    def traffic():
        pinger(env, "c", D6, v6=True, count=5)                 # transport mode: the gateways' own
        pinger(env, "a", "2001:db8:2::10", v6=True, count=5)   # tunnel mode: LAN1 -> LAN2
        time.sleep(1.0)
    pcap = e2e.capture(env, traffic)
    nd = "not (icmpv6.type >= 133 and icmpv6.type <= 136) and not icmpv6.type == 143"
    rows = run(["tshark", "-r", pcap, "-Y", f"ipv6 and {nd}", "-T", "fields",
                "-E", "separator=;", "-E", "occurrence=f", "-e", "ipv6.src", "-e", "ipv6.nxt", "-e", "ipv6.plen", "-e", "ah.length",
                "-e", "ah.spi", "-e", "ah.sequence", "-e", "ah.icv", "-e", "ah.next_header"]).stdout.split()
    transport_len = AH6_LEN + 8 + AH6_ICMP            # payload length: AH, ICMPv6
    tunnel_len = AH6_LEN + 40 + 8 + AH6_ICMP          # AH, inner IPv6 header, ICMPv6
    seqs = {}
    for row in rows:
        f = row.split(";")
        if len(f) != 8:
            raise Fail(f"unexpected IPv6 packet on the internet link: {row} ({pcap})")
        src, nxt, plen, ahlen, spi, seq, icv, inner = f
        if nxt != "51":
            raise Fail(f"IPv6 packet from {src} with next header {nxt}, not AH ({pcap})")
        # RFC 4302 §2.2: Payload Len = AH length in 32-bit words minus 2;
        # Wireshark's ICV field runs to the end of AH: the 16-byte ICV and
        # 4 bytes of padding to a multiple of 8 over IPv6 (§3.3.3.2.1).
        icv_hex = icv.replace(":", "")
        want_plen = transport_len if inner == "58" else tunnel_len
        if ahlen != str(AH6_LEN // 4 - 2) or len(icv_hex) != 2 * (AH6_LEN - 12) or \
                icv_hex[32:] != "00000000" or icv_hex[:32] == "0" * 32 or int(plen) != want_plen or \
                inner not in ("58", "41"):
            raise Fail(f"AH layout: payload length {plen} (want {want_plen}), AH length field {ahlen} "
                       f"(want {AH6_LEN // 4 - 2}), ICV field {icv} (want 16 bytes of ICV and 4 of zero "
                       f"padding), next header {inner} ({pcap})")
        seqs.setdefault(spi, []).append(int(seq))
    want_spis = {"0x00006001", "0x00006002", "0x00006003", "0x00006004"}
    if set(seqs) != want_spis:
        raise Fail(f"AH SPIs on the link: {sorted(seqs)}, expected {sorted(want_spis)} ({pcap})")
    for spi, nums in seqs.items():
        if nums != sorted(nums) or len(set(nums)) != len(nums) or len(nums) < 3 or len(nums) > 5:
            raise Fail(f"SPI {spi}: sequence numbers {nums} (want 5 counting up; a busy capture may miss some)")
    bare = e2e.tshark_count(pcap, "(icmpv6.type == 128 or icmpv6.type == 129) and not ah")
    if bare:
        raise Fail(f"{bare} ICMPv6 echo frame(s) without AH on the internet link ({pcap})")
    print(f"AH over IPv6: 5 pings C->D (transport) and 5 A->B (tunnel) answered; {len(rows)} IPv6 packets on the "
          f"link, all AH (next header 51; payload length {transport_len} transport / {tunnel_len} tunnel; AH length "
          f"field {AH6_LEN // 4 - 2}, 16-byte ICV + 4 bytes of padding), SPIs {sorted(seqs)}, no ICMPv6 echo without AH")
    for gw in ("c", "d"):
        sas = env.ctl_json(gw, "list-sas")
        for s in sas:
            if s["packets"] < 5:
                raise Fail(f"{gw}: SA {s['name']} carried {s['packets']} packets (want >= 5)")
        after = drops(env, gw)
        moved = {k: (before[gw][k], v) for k, v in after.items() if v != before[gw][k]}
        if moved:
            raise Fail(f"{gw}: drop counters moved: {moved}")
    print("every AH SA carried >= 5 packets on both sides; drop counters clean")


def capture_two(env, fn):
    """Captures C's wan0 (the internet link) and D's lan0 (to B) around fn;
    the two captures start and stop in parallel."""
    cap = os.path.join(env.shared, "interop", "capture.sh")
    wan = os.path.join(env.work, "wan.pcapng")
    lan = os.path.join(env.work, "lan-d.pcapng")
    starts = [subprocess.Popen(["bash", cap, "start", env.ns(n), i, f], stdout=subprocess.PIPE, text=True)
              for n, i, f in (("c", "wan0", wan), ("d", "lan0", lan))]
    pids = [p.communicate(timeout=30)[0].strip() for p in starts]
    try:
        if not all(pids):
            raise Fail("a capture did not start")
        fn()
    finally:
        stops = [subprocess.Popen(["bash", cap, "stop", pid]) for pid in pids if pid]
        for p in stops:
            p.wait(timeout=30)
    return wan, lan


def dscps(pcap, display_filter, field):
    rows = run(["tshark", "-r", pcap, "-Y", display_filter, "-T", "fields", "-E", "occurrence=f",
                "-e", field]).stdout.split()
    return [int(x, 0) for x in rows]


def check_dscp(env, what, family, udp, want_outer, want_inner):
    """Pings A->B marked EF (IPv4 and IPv6) and checks the DSCP of C's ESP
    on the internet link and of the echo requests on D's LAN link."""
    outer_c = C6 if family == "ipv6" else ADDR["c"]

    def traffic():
        pinger(env, "a", "203.0.113.10", extra=("-Q", "0xb8"))
        pinger(env, "a", "2001:db8:2::10", v6=True, extra=("-Q", "0xb8"))
    wan, lan = capture_two(env, traffic)
    esp = "udp.port == 4500 and esp" if udp else "esp and not udp"
    if family == "ipv4":
        got_outer = dscps(wan, f"{esp} and ip.src == {outer_c}", "ip.dsfield.dscp")
    else:
        got_outer = dscps(wan, f"{esp} and ipv6.src == {outer_c}", "ipv6.tclass.dscp")
    got_v4 = dscps(lan, "icmp.type == 8", "ip.dsfield.dscp")
    got_v6 = dscps(lan, "icmpv6.type == 128", "ipv6.tclass.dscp")
    # 3 + 3 echo requests crossed; a loaded machine's capture may miss a frame, never show another value.
    if not (4 <= len(got_outer) <= 6) or set(got_outer) != {want_outer}:
        raise Fail(f"{what}: outer DSCP of C's ESP {got_outer}, want 6x {want_outer} ({wan})")
    if not (2 <= len(got_v4) <= 3 and 2 <= len(got_v6) <= 3) or set(got_v4 + got_v6) != {want_inner}:
        raise Fail(f"{what}: DSCP of the echo requests on D's LAN: IPv4 {got_v4}, IPv6 {got_v6}, "
                   f"want {want_inner} ({lan})")
    print(f"{what}: pings answered; outer DSCP {want_outer} on {len(got_outer)} ESP packets C->D; "
          f"inner DSCP {want_inner} at B ({len(got_v4)} IPv4, {len(got_v6)} IPv6 echo requests)")


def case_dscp_ikev2(env):
    """copy_dscp of IKEv2 children reaches their CHILD SAs."""
    gi.write_config(env, "c", start="start", extra_child='copy_dscp = "no"')
    gi.write_config(env, "d", extra_child='copy_dscp = "in"')
    env.start("d")
    env.start("c")
    gi.wait_tunnel(env)
    check_dscp(env, "IKEv2 child, ESP in UDP over IPv4, C copy_dscp=no, D copy_dscp=in", "ipv4", True, 0, 0)


def case_dscp(env, family, udp):
    """copy_dscp per SA on the wire: C's outer DSCP and D's inner DSCP."""
    ef = 46
    for c_out, d_in, want_outer, want_inner in (("out", "out", ef, ef), ("no", "in", 0, 0)):
        outer = {"c": C6, "d": D6} if family == "ipv6" else ADDR
        for gw in ("c", "d"):
            me, peer = outer[gw], outer["d" if gw == "c" else "c"]
            out, inn = (("c-to-d", "d-to-c") if gw == "c" else ("d-to-c", "c-to-d"))
            nets = (("192.0.2.0/24", "203.0.113.0/24"), ("2001:db8:1::/64", "2001:db8:2::/64"))
            text = (sa_entry(f"{out}-esp", "out", "0x7001" if gw == "c" else "0x7002", me, peer, "esp", "tunnel",
                             reqid=1, udp=udp, extra=f'copy_dscp = "{c_out}"' if gw == "c" else "") +
                    sa_entry(f"{inn}-esp", "in", "0x7002" if gw == "c" else "0x7001", peer, me, "esp", "tunnel",
                             udp=udp, extra=f'copy_dscp = "{d_in}"' if gw == "d" else ""))
            for i, (l1, l2) in enumerate(nets):
                local, remote = (l1, l2) if gw == "c" else (l2, l1)
                text += policy(f"out{i}", "out", local, remote, "esp", "tunnel", 1, me, peer)
                text += policy(f"in{i}", "in", local, remote, "esp", "tunnel", 2, peer, me)
            write_manual(env, gw, text)
        env.start("c")
        env.start("d")
        check_dscp(env, f"{family} outer, {'ESP in UDP' if udp else 'ESP'}, C out copy_dscp={c_out}, "
                   f"D in copy_dscp={d_in}", family, udp, want_outer, want_inner)
        problems = env.stop_all()
        if problems:
            raise Fail("\n".join(problems))


def main():
    return gi.run_cases({"manual_transport": case_manual_transport, "ecn_outer": case_ecn_outer,
                         "manual_ah6": case_manual_ah6,
                         "dscp_udp4": lambda env: case_dscp(env, "ipv4", True),
                         "dscp_esp6": lambda env: case_dscp(env, "ipv6", False),
                         "dscp_ikev2": case_dscp_ikev2}, prefix="gm")


if __name__ == "__main__":
    sys.exit(main())
