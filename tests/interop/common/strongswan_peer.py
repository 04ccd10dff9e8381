"""strongswan_peer.py: what every `strata ike` against strongSwan test shares.

The interop scripts (ike/strongswan_ikev2.py, ike/strongswan_ikev2_cert.py,
ikev1/strongswan_ikev1.py) each build their own four namespaces with a
unique prefix (shared/interop/topology.sh), start charon in gw D
(198.51.100.2) through shared/interop/strongswan-peer.sh, run `strata ike
--json` in gw C (198.51.100.1) and compare what `swanctl --list-sas --raw`
shows with the events Strata printed. This module holds that plumbing:
Testbed (namespaces, charon, strata, events), the --list-sas --raw parser,
the IANA-number -> strongSwan-name tables and the check printer.

Exit codes of the scripts: 0 pass, 1 fail, 77 skip (no strongSwan).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import time

PSK = "interop-test-psk-0123456789"
C_ADDR, D_ADDR = "198.51.100.1", "198.51.100.2"
C_ID, D_ID = "gw-c.example.org", "gw-d.example.org"
SKIP = 77

# IANA transform IDs (RFC 7296 §3.3.2; Strata's *_id fields) -> swanctl names
ENCR = {12: "AES_CBC", 20: "AES_GCM_16", 19: "AES_GCM_12", 18: "AES_GCM_8", 28: "CHACHA20_POLY1305", 3: "3DES_CBC"}
INTEG = {12: "HMAC_SHA2_256_128", 13: "HMAC_SHA2_384_192", 14: "HMAC_SHA2_512_256", 2: "HMAC_SHA1_96"}
PRF = {5: "PRF_HMAC_SHA2_256", 6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512", 2: "PRF_HMAC_SHA1"}
DH = {2: "MODP_1024", 14: "MODP_2048", 15: "MODP_3072", 19: "ECP_256", 20: "ECP_384", 31: "CURVE_25519"}


class Fail(Exception):
    pass


def sh(args, check=True, **kw):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if check and r.returncode != 0:
        raise Fail(f"{' '.join(args)} -> {r.returncode}\n{r.stdout}")
    return r.stdout


def have_strongswan():
    return os.path.exists("/usr/lib/ipsec/charon") and shutil.which("swanctl") is not None


def parse_args(cases):
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--case", required=True, choices=sorted(cases))
    ap.add_argument("--shared", required=True, help="shared/interop directory")
    ap.add_argument("--workdir", required=True)
    return ap.parse_args()


# ---- swanctl --list-sas --raw ----
# One "list-sa event {NAME {k=v ... child-sas {CHILD-N {k=v ...} ...}}}" line
# per IKE SA; values are words or [space separated lists].
_TOKEN = re.compile(r"([A-Za-z0-9_.-]+)=(\[[^\]]*\]|[^\s{}]*)|(\{)|(\})|([^\s{}=]+)")


def _section(tokens, i):
    """Parses tokens[i:] up to the matching '}' into a dict; returns (dict, next index)."""
    out, pending = {}, None
    while i < len(tokens):
        key, value, opening, closing, word = tokens[i]
        i += 1
        if closing:
            return out, i
        if opening:
            sub, i = _section(tokens, i)
            out[pending or ""] = sub
            pending = None
        elif key:
            out[key] = value[1:-1].split() if value.startswith("[") else value
        else:
            pending = word
    return out, i


def list_ike_sas(raw, conn):
    """Every IKE SA of connection conn in --list-sas --raw output, in order: a
    dict of its scalar fields plus "children", the list of its CHILD SAs."""
    sas = []
    for line in raw.splitlines():
        if not line.startswith("list-sa event"):
            continue
        top, _ = _section(_TOKEN.findall(line[len("list-sa event"):]), 0)
        body = top.get("", {})
        if conn not in body:
            continue
        ike = {k: v for k, v in body[conn].items() if not isinstance(v, dict)}
        ike["children"] = list(body[conn].get("child-sas", {}).values())
        sas.append(ike)
    return sas


def parse_raw_sas(raw, conn):
    """The first IKE SA of conn: {"ike": fields, "children": [...], "child":
    the last CHILD SA listed (or {})}, or None when there is none."""
    sas = list_ike_sas(raw, conn)
    if not sas:
        return None
    ike = {k: v for k, v in sas[0].items() if k != "children"}
    kids = sas[0]["children"]
    return {"ike": ike, "children": kids, "child": kids[-1] if kids else {}}


# ---- comparing ----
def check(checks, title="mismatch"):
    """checks: (what, strongSwan's value or a fact, Strata's value or the
    expectation); prints each, raises Fail listing the ones that differ."""
    for name, got, want in checks:
        print(f"  {'ok ' if got == want else 'BAD'} {name}: {got!r} == {want!r}")
    bad = [f"{name}: {got!r} != {want!r}" for name, got, want in checks if got != want]
    if bad:
        raise Fail(title + ":\n" + "\n".join(bad))


def ike_sa_checks(si, up):
    """strongSwan's IKE SA fields (si) against Strata's ike-sa-up (up)."""
    checks = [
        ("IKE state", si.get("state"), "ESTABLISHED"),
        ("IKE SPIi", si.get("initiator-spi"), up["spi_i"]),
        ("IKE SPIr", si.get("responder-spi"), up["spi_r"]),
        ("IKE encr", si.get("encr-alg"), ENCR.get(up["encr_id"])),
        ("IKE encr keysize", si.get("encr-keysize"), str(up["encr_keybits"]) if up["encr_id"] != 3 else None),
        ("IKE prf", si.get("prf-alg"), PRF.get(up["prf_id"])),
        ("IKE dh", si.get("dh-group"), DH.get(up["dh_id"])),
    ]
    if up["integ_id"]:
        checks.append(("IKE integ", si.get("integ-alg"), INTEG.get(up["integ_id"])))
    else:
        checks.append(("IKE integ (AEAD: none)", si.get("integ-alg"), None))
    return checks


def child_sa_checks(sc, ch):
    """strongSwan's CHILD SA fields (sc) against Strata's child-sa-up (ch):
    strongSwan's inbound SPI is Strata's outbound one and vice versa."""
    return [
        ("CHILD state", sc.get("state"), "INSTALLED"),
        ("CHILD spi-in (strongSwan) = strata out", sc.get("spi-in"), ch["spi_out"]),
        ("CHILD spi-out (strongSwan) = strata in", sc.get("spi-out"), ch["spi_in"]),
        ("CHILD encr", sc.get("encr-alg"), ENCR.get(ch["encr_id"])),
        ("CHILD encr keysize", sc.get("encr-keysize"), str(ch["encr_keybits"]) if ch["encr_id"] != 3 else None),
        ("CHILD integ", sc.get("integ-alg"), INTEG.get(ch["integ_id"]) if ch["integ_id"] else None),
    ]


# ---- the namespaces, charon and strata ----
class Testbed:
    """Four namespaces (prefix from tag and our PID), charon in gw D, strata in
    gw C. Use as a context manager: leaving it stops both and removes the
    namespaces."""

    def __init__(self, args, tag, charon_env=None):
        self.args = args
        self.workdir = args.workdir
        shutil.rmtree(self.workdir, ignore_errors=True)
        os.makedirs(self.workdir)
        self.prefix = f"{tag}{os.getpid() % 100000}"
        self.ns_c, self.ns_d = f"{self.prefix}-c", f"{self.prefix}-d"
        self.env = dict(os.environ, IOP_STATE=os.path.join(self.workdir, "state"), **(charon_env or {}))
        self.topo = os.path.join(args.shared, "topology.sh")
        self.peer = os.path.join(args.shared, "strongswan-peer.sh")
        self.events_path = os.path.join(self.workdir, "strata.jsonl")
        self.err_path = os.path.join(self.workdir, "strata.err")
        self.strata = None
        self.charon_pid = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.strata is not None and self.strata.poll() is None:
            self.strata.kill()
            self.strata.wait()
        subprocess.run(["bash", self.peer, "stop", self.ns_d], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run(["bash", self.topo, "down", self.prefix], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return False

    def write_conf(self, text, name="gw-d"):
        confdir = os.path.join(self.workdir, name)
        os.makedirs(confdir, exist_ok=True)
        with open(os.path.join(confdir, "swanctl.conf"), "w") as f:
            f.write(text)
        return confdir

    def start(self, confdir):
        """Namespaces up, charon started in gw D with confdir's swanctl.conf."""
        sh(["bash", self.topo, "up", self.prefix])
        out = sh(["bash", self.peer, "start", self.ns_d, confdir], env=self.env)
        self.charon_pid = int(out.split()[-1])

    def swanctl(self, *args, check=True):
        return sh(["bash", self.peer, "swanctl", self.ns_d] + list(args), check=check, env=self.env)

    def raw_sas(self):
        return self.swanctl("--list-sas", "--raw")

    def charon_log(self):
        path = os.path.join(self.workdir, "state", self.ns_d, "charon.log")
        return open(path).read() if os.path.exists(path) else ""

    def kill_charon(self):
        """SIGKILL: charon vanishes without sending a DELETE (a dead peer).
        Returns the time the signal was sent."""
        killed = time.time()
        os.kill(self.charon_pid, signal.SIGKILL)
        for _ in range(50):
            if not os.path.exists(f"/proc/{self.charon_pid}/exe") or os.readlink(
                    f"/proc/{self.charon_pid}/exe") != "/usr/lib/ipsec/charon":
                return killed
            time.sleep(0.1)
        raise Fail(f"charon {self.charon_pid} survived SIGKILL")

    def run_strata(self, args):
        """Starts `strata ike ARGS` in gw C, stdout (JSON lines) to strata.jsonl."""
        cmd = ["ip", "netns", "exec", self.ns_c, self.args.strata, "ike"] + args
        print("+", " ".join(cmd))
        self.strata = subprocess.Popen(cmd, stdout=open(self.events_path, "w"), stderr=open(self.err_path, "w"))
        time.sleep(0.3)
        return self.strata

    def events(self):
        with open(self.events_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def wait_for(self, pred, seconds):
        """Waits until pred(events) holds or strata ended; returns pred's last value."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            if pred(self.events()):
                return True
            if self.strata.poll() is not None:
                return pred(self.events())
            time.sleep(0.1)
        return pred(self.events())

    def come_up(self, role, done, seconds):
        """Lets strongSwan initiate when Strata is the responder, waits for an
        event named in done; returns (events, Strata's one ike-sa-up)."""
        if role == "responder":
            print(self.swanctl("--initiate", "--child", "net", "--timeout", "15", check=False))
        self.wait_for(lambda evs: any(e["event"] in done for e in evs), seconds)
        evs = self.events()
        print("strata events:", json.dumps(evs, indent=1))
        up = [e for e in evs if e["event"] == "ike-sa-up"]
        if len(up) != 1:
            raise Fail("not exactly one ike-sa-up from strata")
        return evs, up[0]

    def swan_sa(self, conn):
        """strongSwan's first IKE SA of conn (parse_raw_sas), printed; Fail if none."""
        raw = self.raw_sas()
        print("swanctl --list-sas --raw:", raw)
        sas = parse_raw_sas(raw, conn)
        if sas is None:
            raise Fail("strongSwan lists no IKE SA")
        return sas

    def first(self, name):
        evs = [e for e in self.events() if e["event"] == name]
        return evs[0] if evs else None

    def strata_sas(self):
        """Strata's own listing of its SAs (SIGUSR1 -> a "sas" line)."""
        before = len([e for e in self.events() if e["event"] == "sas"])
        self.strata.send_signal(signal.SIGUSR1)
        if not self.wait_for(lambda evs: len([e for e in evs if e["event"] == "sas"]) > before, 5):
            raise Fail("strata printed no SA listing on SIGUSR1")
        return [e for e in self.events() if e["event"] == "sas"][-1]

    def stop_strata(self):
        self.strata.send_signal(signal.SIGTERM)
        return self.strata.wait(timeout=10)

    def dump_logs(self):
        log = self.charon_log()
        if log:
            print("---- charon.log ----")
            print(log[-8000:])
        if os.path.exists(self.err_path):
            print("---- strata stderr ----")
            print(open(self.err_path).read()[-3000:])


def run_case(tb, body):
    """Runs body() -> 0 in testbed tb, turning Fail into exit status 1 after
    printing it and the ends of charon's and strata's logs."""
    try:
        rc = body()
        print("PASS")
        return rc
    except Fail as e:
        print("FAIL:", e)
        tb.dump_logs()
        return 1
