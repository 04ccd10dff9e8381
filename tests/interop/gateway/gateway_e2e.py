#!/usr/bin/env python3
"""End-to-end tests of `strata gateway` with manually keyed SAs.

Each case builds its own four namespaces (A - C == D - B) with
../shared/interop/topology.sh under a prefix of its own, runs one Strata
gateway in C and one in D with examples/gateway/site-{c,d}-sas.toml, checks
what the case is about, stops both gateways with SIGTERM (each must exit 0)
and tears the namespaces down. Exit 0: pass; 1: fail.

Cases: ping_v4_udp ping_v6_udp ping_v4_esp tcp_udp tcp_esp capture_udp
capture_esp counters_json garbage_udp unknown_spi ctl_junk reload_sighup
bad_config
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EXAMPLES = os.path.join(SRC, "examples", "gateway")


class Fail(Exception):
    pass


def run(cmd, check=True, timeout=60, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise Fail(f"{' '.join(cmd)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def ns_run(ns, cmd, **kw):
    return run(["ip", "netns", "exec", ns] + cmd, **kw)


class Env:
    def __init__(self, args):
        self.strata = args.strata
        self.shared = args.shared
        self.work = args.workdir
        self.case = args.case
        self.prefix = "sg%05d" % (zlib.crc32(args.case.encode()) % 100000)
        self.gws = {}
        os.makedirs(self.work, exist_ok=True)

    def topology(self, cmd):
        run(["bash", os.path.join(self.shared, "interop", "topology.sh"), cmd, self.prefix])

    def ns(self, x):
        return f"{self.prefix}-{x}"

    def write_configs(self, encap):
        for gw, addr in (("c", "198.51.100.1"), ("d", "198.51.100.2")):
            sas = open(os.path.join(EXAMPLES, f"site-{gw}-sas.toml")).read()
            if encap == "esp":
                sas = sas.replace("udp_encap = true", "udp_encap = false")
            sas_path = os.path.join(self.work, f"{gw}-sas.toml")
            with open(sas_path, "w") as f:
                f.write(sas)
            with open(os.path.join(self.work, f"{gw}.toml"), "w") as f:
                f.write(f"""[gateway]
addresses = ["{addr}"]
tun = "strata0"
encapsulation = "{encap}"
control_socket = "{self.sock(gw)}"
log_level = "debug"
manual = "{sas_path}"
""")

    def sock(self, gw):
        return os.path.join(self.work, f"{gw}.sock")

    def start(self, gw):
        log = open(os.path.join(self.work, f"{gw}.log"), "w")
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(gw), self.strata, "gateway", "--config",
                              os.path.join(self.work, f"{gw}.toml")], stdout=log, stderr=subprocess.STDOUT)
        self.gws[gw] = p
        for _ in range(100):
            if p.poll() is not None:
                raise Fail(f"gateway {gw} exited with {p.returncode}:\n" + self.log(gw))
            if os.path.exists(self.sock(gw)) and self.ctl(gw, "status", check=False).returncode == 0:
                return
            time.sleep(0.05)
        raise Fail(f"gateway {gw} did not answer on its control socket:\n" + self.log(gw))

    def log(self, gw):
        try:
            return open(os.path.join(self.work, f"{gw}.log")).read()
        except OSError:
            return ""

    def ctl(self, gw, *words, json_out=False, check=True):
        cmd = [self.strata, "ctl", "--socket", self.sock(gw)] + (["--json"] if json_out else []) + list(words)
        return run(cmd, check=check)

    def ctl_json(self, gw, *words):
        r = self.ctl(gw, *words, json_out=True)
        j = json.loads(r.stdout)
        if not j.get("ok"):
            raise Fail(f"ctl {words}: {j}")
        return j["data"]

    def alive(self, gw):
        if self.gws[gw].poll() is not None:
            raise Fail(f"gateway {gw} died ({self.gws[gw].returncode}):\n" + self.log(gw))

    def stop_all(self):
        bad = []
        for gw, p in self.gws.items():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                    bad.append(f"gateway {gw} ignored SIGTERM")
                    continue
            if p.returncode != 0:
                bad.append(f"gateway {gw} exited with {p.returncode}:\n" + self.log(gw))
            elif "gateway stopped" not in self.log(gw):
                bad.append(f"gateway {gw} did not log a clean stop")
        self.gws = {}
        return bad


def ping(env, dst, v6=False, count=3):
    cmd = ["ping"] + (["-6"] if v6 else []) + ["-c", str(count), "-i", "0.2", "-W", "2", dst]
    r = ns_run(env.ns("a"), cmd, check=False)
    if r.returncode != 0:
        raise Fail(f"ping {dst} from A failed:\n{r.stdout}{r.stderr}\nC:\n{env.log('c')}\nD:\n{env.log('d')}")
    m = re.search(r"(\d+) received", r.stdout)
    return int(m.group(1)) if m else 0


SERVER = r"""
import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("203.0.113.10", 5001)); s.listen(1)
print("ready", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest(), flush=True)
"""

CLIENT = r"""
import hashlib, os, socket, sys
n = int(sys.argv[1]); data = os.urandom(n)
s = socket.create_connection(("203.0.113.10", 5001), timeout=20)
s.sendall(data); s.close()
print(n, hashlib.sha256(data).hexdigest(), flush=True)
"""


def tcp_transfer(env, size=4 * 1024 * 1024):
    srv = subprocess.Popen(["ip", "netns", "exec", env.ns("b"), "/usr/bin/python3", "-c", SERVER],
                           stdout=subprocess.PIPE, text=True)
    try:
        if srv.stdout.readline().strip() != "ready":
            raise Fail("TCP server in B did not start")
        sent = ns_run(env.ns("a"), ["/usr/bin/python3", "-c", CLIENT, str(size)], timeout=60).stdout.split()
        out, _ = srv.communicate(timeout=30)
        got = out.split()
        if sent != got:
            raise Fail(f"TCP transfer A->B: sent {sent}, B received {got}")
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()


def sa(sas, name, direction):
    for s in sas:
        if s["name"] == name and s["direction"] == direction:
            return s
    raise Fail(f"no SA {name} ({direction}) in {sas}")


def capture(env, fn):
    pcap = os.path.join(env.work, "wan.pcapng")
    cap = os.path.join(env.shared, "interop", "capture.sh")
    pid = run(["bash", cap, "start", env.ns("c"), "wan0", pcap]).stdout.strip()
    try:
        fn()
    finally:
        run(["bash", cap, "stop", pid], check=False)
    return pcap


def tshark_count(pcap, display_filter, extra=()):
    r = run(["tshark", "-r", pcap, "-Y", display_filter, "-T", "fields", "-e", "frame.number"] + list(extra))
    return len([l for l in r.stdout.splitlines() if l.strip()])


def check_capture(env, encap):
    def traffic():
        ping(env, "203.0.113.10")
        ping(env, "2001:db8:2::10", v6=True)
        tcp_transfer(env, 256 * 1024)
    pcap = capture(env, traffic)
    # Nothing of the LANs' traffic may cross the internet link in clear:
    # no ICMP, no TCP, no ICMPv6 but neighbour discovery between C and D.
    clear = tshark_count(pcap, "icmp or tcp or (icmpv6 and icmpv6.type != 133 and icmpv6.type != 134 and "
                         "icmpv6.type != 135 and icmpv6.type != 136 and icmpv6.type != 143)")
    if clear:
        raise Fail(f"{clear} plaintext ICMP/TCP frame(s) on the internet link ({pcap})")
    lan = tshark_count(pcap, "ip.addr == 192.0.2.10 or ip.addr == 203.0.113.10 or ipv6.addr == 2001:db8:1::10")
    if lan:
        raise Fail(f"{lan} frame(s) with LAN addresses in clear on the internet link")
    if encap == "udp":
        esp = tshark_count(pcap, "esp and udp.port == 4500")
    else:
        esp = tshark_count(pcap, "esp and ip.proto == 50")
    total = tshark_count(pcap, "frame")
    if esp < 10:
        raise Fail(f"only {esp} ESP frames of {total} on the internet link")
    print(f"capture: {total} frames, {esp} ESP ({encap}), 0 in clear")


def send_udp(ns, dst, port, payloads):
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            "for h in sys.argv[3:]: s.sendto(bytes.fromhex(h),(sys.argv[1],int(sys.argv[2])))\n")
    ns_run(ns, ["/usr/bin/python3", "-c", code, dst, str(port)] + [p.hex() for p in payloads])


def send_raw_esp(ns, dst, payloads):
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_RAW,50)\n"
            "for h in sys.argv[2:]: s.sendto(bytes.fromhex(h),(sys.argv[1],0))\n")
    ns_run(ns, ["/usr/bin/python3", "-c", code, dst] + [p.hex() for p in payloads])


def wait_counter(env, gw, get, want, what):
    last = None
    for _ in range(40):
        last = get(env.ctl_json(gw, "counters"))
        if last >= want:
            return last
        time.sleep(0.05)
    raise Fail(f"{what}: counter is {last}, expected >= {want}")


def case_bad_config(env):
    base = """[gateway]
addresses = ["198.51.100.1"]
control_socket = "%s"
""" % env.sock("x")
    cases = {
        "syntax.toml": (base + "tun = \"strata0\n", 4),
        "unknown-key.toml": (base + "tunnel = \"x\"\n", 4),
        "bad-encap.toml": (base + "encapsulation = \"gre\"\n", 4),
        "bad-address.toml": ("[gateway]\naddresses = [\"198.51.100.300\"]\n", 2),
        "missing-manual.toml": (base + "manual = \"/nonexistent/sas.toml\"\n", 4),
        # IKE peers run; what the IKE service cannot do yet is refused by line.
        "two-children.toml": (base + """[peers.gw-d]
address = "198.51.100.2"
psk = "interop-test-psk-0123456789"
[peers.gw-d.children.net]
local_ts = ["192.0.2.0/24"]
remote_ts = ["203.0.113.0/24"]
[peers.gw-d.children.net2]
local_ts = ["192.0.2.0/24"]
remote_ts = ["203.0.113.0/24"]
""", 10),
    }
    for name, (text, line) in cases.items():
        path = os.path.join(env.work, name)
        with open(path, "w") as f:
            f.write(text)
        r = run([env.strata, "gateway", "--config", path], check=False, timeout=20)
        if r.returncode == 0:
            raise Fail(f"{name} was accepted")
        err = r.stderr + r.stdout
        if line is not None and f"{path}:{line}" not in err:
            raise Fail(f"{name}: the error does not name {path}:{line}:\n{err}")
        if name == "two-children.toml" and "overlap" not in err:
            raise Fail(f"{name}: the refusal does not say what is missing:\n{err}")
        print(f"{name}: refused: {err.strip().splitlines()[-1][:160]}")
    # --check accepts every shipped example.
    for name in sorted(os.listdir(EXAMPLES)):
        if name.startswith("site-to-site-") or name.startswith("ike"):
            r = run([env.strata, "gateway", "--check", "--config", os.path.join(EXAMPLES, name)], check=False)
            if r.returncode != 0:
                raise Fail(f"--check refused examples/gateway/{name}:\n{r.stderr}")
            print(f"examples/gateway/{name}: {r.stdout.strip()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    env = Env(args)
    case = args.case
    if case == "bad_config":
        case_bad_config(env)
        print("PASS")
        return 0
    encap = "esp" if case.endswith("_esp") else "udp"
    env.topology("up")
    problems = []
    try:
        env.write_configs(encap)
        env.start("c")
        env.start("d")
        if case in ("ping_v4_udp", "ping_v4_esp"):
            if ping(env, "203.0.113.10", count=5) != 5:
                raise Fail("lost pings")
            out_c = sa(env.ctl_json("c", "list-sas"), "c-to-d", "out")
            in_d = sa(env.ctl_json("d", "list-sas"), "c-to-d", "in")
            if out_c["packets"] < 5 or in_d["packets"] < 5:
                raise Fail(f"SA counters did not move: C out {out_c}, D in {in_d}")
            if (out_c["udp_encap"] is not None) != (encap == "udp"):
                raise Fail(f"SA encapsulation is not {encap}: {out_c}")
        elif case == "ping_v6_udp":
            if ping(env, "2001:db8:2::10", v6=True, count=5) != 5:
                raise Fail("lost pings")
        elif case in ("tcp_udp", "tcp_esp"):
            tcp_transfer(env)
            c = env.ctl_json("c", "counters")
            if c["packets"]["tun_rx_packets"] < 1000 or c["packets"]["net_tx_packets"] < 1000:
                raise Fail(f"C counters after 4 MiB: {c['packets']}")
        elif case in ("capture_udp", "capture_esp"):
            check_capture(env, encap)
        elif case == "counters_json":
            ping(env, "203.0.113.10", count=4)
            for gw, out_name, in_name in (("c", "c-to-d", "d-to-c"), ("d", "d-to-c", "c-to-d")):
                sas = env.ctl_json(gw, "list-sas")
                o, i = sa(sas, out_name, "out"), sa(sas, in_name, "in")
                if o["packets"] < 4 or i["packets"] < 4 or o["last_sequence"] < 4:
                    raise Fail(f"{gw}: SAs did not count the pings: {o} {i}")
                cnt = env.ctl_json(gw, "counters")
                p = cnt["packets"]
                if p["tun_rx_packets"] < 4 or p["tun_tx_packets"] < 4 or p["net_rx_packets"] < 4:
                    raise Fail(f"{gw}: packet counters did not move: {p}")
                for reason in ("UnknownSpi", "IcvMismatch", "ReplayDuplicate", "NoPolicy"):
                    if reason not in cnt["ipsec_drops"]:
                        raise Fail(f"counters lack {reason}")
                pol = env.ctl_json(gw, "list-policies")
                if len(pol) != 4:
                    raise Fail(f"{gw}: {len(pol)} policies listed")
                st = env.ctl_json(gw, "status")
                if st["sas"] != 2 or st["tun"] != "strata0" or len(st["routes"]) != 2:
                    raise Fail(f"{gw}: status {st}")
            text = env.ctl("c", "list-sas").stdout
            if "c-to-d" not in text or "0x00001001" not in text:
                raise Fail(f"text list-sas: {text}")
        elif case == "garbage_udp":
            ping(env, "203.0.113.10", count=2)
            before = env.ctl_json("d", "counters")
            send_udp(env.ns("c"), "198.51.100.2", 4500,
                     [b"\x01\x02\x03",                           # too short for ESP: Truncated
                      bytes.fromhex("deadbeef00000001") + os.urandom(60),  # unknown SPI
                      b"\x00\x00\x00\x00" + os.urandom(40),      # IKE behind the non-ESP marker
                      b"\xff"])                                   # NAT keepalive
            send_udp(env.ns("c"), "198.51.100.2", 500, [os.urandom(100)])  # IKE port
            d = env.ctl_json
            wait_counter(env, "d", lambda c: c["ipsec_drops"]["Truncated"],
                         before["ipsec_drops"]["Truncated"] + 1, "Truncated")
            wait_counter(env, "d", lambda c: c["ipsec_drops"]["UnknownSpi"],
                         before["ipsec_drops"]["UnknownSpi"] + 1, "UnknownSpi")
            wait_counter(env, "d", lambda c: c["gateway_drops"]["IkeUnavailable"],
                         before["gateway_drops"]["IkeUnavailable"] + 2, "IkeUnavailable")
            wait_counter(env, "d", lambda c: c["packets"]["nat_keepalives"], 1, "nat_keepalives")
            del d
            env.alive("d")
            if ping(env, "203.0.113.10", count=3) != 3:
                raise Fail("tunnel broken after garbage")
        elif case == "unknown_spi":
            before = env.ctl_json("d", "counters")["ipsec_drops"]["UnknownSpi"]
            send_raw_esp(env.ns("c"), "198.51.100.2",
                         [bytes.fromhex("0badf00d00000001") + os.urandom(48) for _ in range(5)])
            send_udp(env.ns("c"), "198.51.100.2", 4500,
                     [bytes.fromhex("0badf00d00000002") + os.urandom(48) for _ in range(5)])
            wait_counter(env, "d", lambda c: c["ipsec_drops"]["UnknownSpi"], before + 10, "UnknownSpi")
            env.alive("d")
            if ping(env, "203.0.113.10", count=3) != 3:
                raise Fail("tunnel broken after unknown SPIs")
        elif case == "ctl_junk":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(env.sock("c"))
            s.settimeout(5)
            f = s.makefile("rwb")
            for junk in (b"\x00\x01\xfe\xff binary\n", b"hello world\n", b"initiate\n", b"status extra\n",
                         b"{\"cmd\":\"status\"}\n", b"status\n"):
                f.write(junk)
                f.flush()
                reply = json.loads(f.readline())
                if junk == b"status\n":
                    if not reply["ok"]:
                        raise Fail(f"status after junk: {reply}")
                elif reply["ok"] or "error" not in reply:
                    raise Fail(f"junk {junk!r} answered {reply}")
                print(f"{junk!r} -> {reply.get('error', 'ok')}")
            f.write(b"x" * 5000 + b"\n")
            f.flush()
            reply = json.loads(f.readline())
            if reply["ok"] or "too long" not in reply["error"]:
                raise Fail(f"overlong line answered {reply}")
            try:
                rest = f.readline()
            except ConnectionResetError:  # closed with the rest of the line unread: a reset
                rest = b""
            if rest != b"":
                raise Fail("connection not closed after an overlong line")
            s.close()
            r = env.ctl("c", "initiate", "gw-d", check=False)
            if r.returncode == 0 or "not available for manually keyed SAs" not in r.stderr:
                raise Fail(f"initiate: {r.returncode} {r.stderr}")
            mode = os.stat(env.sock("c")).st_mode & 0o777
            if mode != 0o600:
                raise Fail(f"control socket mode {oct(mode)}")
            if env.ctl_json("c", "counters")["control_errors"] < 6:
                raise Fail("control errors not counted")
            env.alive("c")
            env.ctl("c", "status")
        elif case == "reload_sighup":
            ping(env, "203.0.113.10", count=3)
            seq = sa(env.ctl_json("c", "list-sas"), "c-to-d", "out")["last_sequence"]
            env.gws["c"].send_signal(signal.SIGHUP)
            time.sleep(0.5)
            env.alive("c")
            if "carried over" not in env.log("c"):
                raise Fail("no reload logged:\n" + env.log("c"))
            r = env.ctl_json("c", "reload")
            if r["reloads"] < 2:
                raise Fail(f"reload: {r}")
            if ping(env, "203.0.113.10", count=3) != 3:
                raise Fail("pings lost after reload")
            seq2 = sa(env.ctl_json("c", "list-sas"), "c-to-d", "out")["last_sequence"]
            if seq2 < seq + 3:
                raise Fail(f"sequence restarted on reload: {seq} -> {seq2}")
            # A broken file on reload is refused and the old one keeps running.
            with open(os.path.join(env.work, "c.toml"), "a") as f:
                f.write("bogus = 1\n")
            r = env.ctl("c", "reload", check=False)
            if r.returncode == 0 or "c.toml:" not in r.stderr:
                raise Fail(f"bad reload accepted: {r.stderr}")
            if ping(env, "203.0.113.10", count=2) != 2:
                raise Fail("pings lost after a refused reload")
        else:
            raise Fail(f"unknown case {case}")
        for gw in ("c", "d"):
            env.alive(gw)
    except Fail as e:
        problems.append(str(e))
    finally:
        problems += env.stop_all()
        env.topology("down")
    if problems:
        print("FAIL:\n" + "\n".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
