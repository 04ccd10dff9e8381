#!/usr/bin/python3
"""IKEv2 interop with X.509 certificates: `strata ike` against strongSwan.

One case per run (--case): cert_{rsa,ecdsa}_{initiator,responder} and
cert_fragmentation. shared/interop/ike-certs.sh makes a fresh CA and
gw-c/gw-d certificates (SAN DNS:gw-X.example.org) from the
conf/ikev2-cert-tunnel template; charon runs in gw D (198.51.100.2) with
gw-d's CONFDIR, `strata ike --cert/--key/--ca` in gw C with gw-c's files.
The test checks that `swanctl --list-sas --raw` shows the IKE and CHILD SPIs
and algorithms Strata reported, and that strongSwan logged the peer as
authenticated by its certificate (RFC 7427 signature). The fragmentation
case also checks that both sides exchanged IKE_AUTH as SKF fragments
(charon's "EF(i/n)" in parsed and generated messages). Exit 0 pass, 1 fail,
77 skip (no strongSwan).

Registered in tests.cmake as interop.ikev2.strongswan.<case>.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

C_ADDR, D_ADDR = "198.51.100.1", "198.51.100.2"
C_ID, D_ID = "gw-c.example.org", "gw-d.example.org"
LAN_C = "192.0.2.0/24,2001:db8:1::/64"
LAN_D = "203.0.113.0/24,2001:db8:2::/64"
IKE = "aes128gcm16-prfsha256-x25519"  # as the template
ESP = "aes256-sha256"  # the template's aes256-sha256-modp2048 without PFS for the first CHILD SA

# case -> (key type, strata role)
CASES = {
    "cert_rsa_initiator": ("rsa", "initiator"),
    "cert_rsa_responder": ("rsa", "responder"),
    "cert_ecdsa_initiator": ("ec", "initiator"),
    "cert_ecdsa_responder": ("ec", "responder"),
    "cert_fragmentation": ("rsa", "responder"),
}

ENCR = {12: "AES_CBC", 20: "AES_GCM_16", 19: "AES_GCM_12", 18: "AES_GCM_8", 28: "CHACHA20_POLY1305"}
INTEG = {12: "HMAC_SHA2_256_128", 13: "HMAC_SHA2_384_192", 14: "HMAC_SHA2_512_256", 2: "HMAC_SHA1_96"}
PRF = {5: "PRF_HMAC_SHA2_256", 6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512", 2: "PRF_HMAC_SHA1"}
DH = {14: "MODP_2048", 19: "ECP_256", 20: "ECP_384", 31: "CURVE_25519"}


class Fail(Exception):
    pass


def sh(args, check=True, **kw):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if check and r.returncode != 0:
        raise Fail(f"{' '.join(args)} -> {r.returncode}\n{r.stdout}")
    return r.stdout


def parse_raw_sas(text):
    """swanctl --list-sas --raw: {ike: {...}, child: {...}} of the first SA, or None."""
    m = re.search(r"gw-gw-cert \{(.*)\}", text, re.S)
    if not m:
        return None
    ike_part, _, child_part = m.group(1).partition("child-sas {")
    kv = lambda s: dict(re.findall(r"([a-z0-9-]+)=([^\s\[\]{}]+)", s))
    return {"ike": kv(ike_part), "child": kv(child_part) if child_part else {}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--shared", required=True, help="shared/interop directory")
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    if not os.path.exists("/usr/lib/ipsec/charon") or shutil.which("swanctl") is None:
        print("SKIP: strongSwan (charon, swanctl) not installed")
        return 77
    kt, role = CASES[a.case]
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    prefix = f"i2c{os.getpid() % 100000}"
    ns_c, ns_d = f"{prefix}-c", f"{prefix}-d"
    env = dict(os.environ, IOP_STATE=os.path.join(a.workdir, "state"))
    topo = os.path.join(a.shared, "topology.sh")
    peer = os.path.join(a.shared, "strongswan-peer.sh")
    pki = os.path.join(a.workdir, "pki")
    sh(["bash", os.path.join(a.shared, "ike-certs.sh"), os.path.join(a.shared, "conf", "ikev2-cert-tunnel"), pki, kt])
    gc, gd = os.path.join(pki, "gw-c"), os.path.join(pki, "gw-d")
    events_path = os.path.join(a.workdir, "strata.jsonl")
    strata = None
    try:
        sh(["bash", topo, "up", prefix])
        sh(["bash", peer, "start", ns_d, gd], env=env)
        cmd = ["ip", "netns", "exec", ns_c, a.strata, "ike", "--json", "--local", C_ADDR, "--remote", D_ADDR,
               "--role", role, "--cert", os.path.join(gc, "x509", "gw-c.pem"),
               "--key", os.path.join(gc, "private", "gw-c.key"), "--ca", os.path.join(gc, "x509ca", "ca.pem"),
               "--local-id", C_ID, "--remote-id", D_ID, "--ike-proposals", IKE, "--esp-proposals", ESP,
               "--local-ts", LAN_C, "--remote-ts", LAN_D, "--timeout", "25"]
        print("+", " ".join(cmd))
        strata = subprocess.Popen(cmd, stdout=open(events_path, "w"),
                                  stderr=open(os.path.join(a.workdir, "strata.err"), "w"))
        time.sleep(0.3)
        if role == "responder":
            print(sh(["bash", peer, "swanctl", ns_d, "--initiate", "--child", "net", "--timeout", "15"],
                     check=False, env=env))

        def events():
            with open(events_path) as f:
                return [json.loads(l) for l in f if l.strip()]

        deadline = time.time() + 15
        while time.time() < deadline and not any(e["event"] in ("child-sa-up", "auth-failed") for e in events()):
            if strata.poll() is not None:
                break
            time.sleep(0.1)
        evs = events()
        print("strata events:", json.dumps(evs, indent=1))
        up = [e for e in evs if e["event"] == "ike-sa-up"]
        if len(up) != 1:
            raise Fail("no ike-sa-up from strata")
        up = up[0]
        ch = [e for e in evs if e["event"] == "child-sa-up"]
        if len(ch) != 1:
            raise Fail("no child-sa-up from strata")
        ch = ch[0]
        raw = sh(["bash", peer, "swanctl", ns_d, "--list-sas", "--raw"], env=env)
        print("swanctl --list-sas --raw:", raw)
        sas = parse_raw_sas(raw)
        if sas is None:
            raise Fail("strongSwan lists no IKE SA")
        si, sc = sas["ike"], sas["child"]
        log = open(os.path.join(a.workdir, "state", ns_d, "charon.log")).read()
        checks = [
            ("IKE state", si.get("state"), "ESTABLISHED"),
            ("IKE SPIi", si.get("initiator-spi"), up["spi_i"]),
            ("IKE SPIr", si.get("responder-spi"), up["spi_r"]),
            ("IKE encr", si.get("encr-alg"), ENCR.get(up["encr_id"])),
            ("IKE encr keysize", si.get("encr-keysize"), str(up["encr_keybits"])),
            ("IKE prf", si.get("prf-alg"), PRF.get(up["prf_id"])),
            ("IKE dh", si.get("dh-group"), DH.get(up["dh_id"])),
            ("IKE remote id (strongSwan)", si.get("remote-id"), C_ID),
            ("strata initiator flag", up["initiator"], role == "initiator"),
            ("CHILD state", sc.get("state"), "INSTALLED"),
            ("CHILD spi-in (strongSwan) = strata out", sc.get("spi-in"), ch["spi_out"]),
            ("CHILD spi-out (strongSwan) = strata in", sc.get("spi-out"), ch["spi_in"]),
            ("CHILD encr", sc.get("encr-alg"), ENCR.get(ch["encr_id"])),
            ("CHILD integ", sc.get("integ-alg"), INTEG.get(ch["integ_id"]) if ch["integ_id"] else None),
            # strongSwan verified our RFC 7427 signature against our certificate.
            ("charon: our signature verified", bool(re.search(
                r"authentication of 'gw-c\.example\.org' with (RSA_EMSA_PSS|ECDSA|RSA_EMSA_PKCS1)[^\n]*successful",
                log)), True),
            ("charon: CA chain", "using trusted ca certificate" in log, True),
        ]
        if a.case == "cert_fragmentation":
            checks += [
                ("charon parsed our SKF fragments", bool(re.search(r"parsed IKE_AUTH \w+ 1 \[ EF\(\d+/\d+\) \]", log)),
                 True),
                ("charon sent SKF fragments", bool(re.search(r"generating IKE_AUTH \w+ 1 \[ EF\(\d+/\d+\) \]", log)),
                 True),
            ]
        bad = [f"{n}: {g!r} != {w!r}" for n, g, w in checks if g != w]
        for n, g, w in checks:
            print(f"  {'ok ' if g == w else 'BAD'} {n}: {g!r} == {w!r}")
        if bad:
            raise Fail("mismatch:\n" + "\n".join(bad))
        strata.send_signal(signal.SIGTERM)
        strata.wait(timeout=10)
        print("PASS")
        return 0
    except Fail as e:
        print("FAIL:", e)
        log = os.path.join(a.workdir, "state", ns_d, "charon.log")
        if os.path.exists(log):
            print("---- charon.log ----")
            print(open(log).read()[-8000:])
        err = os.path.join(a.workdir, "strata.err")
        if os.path.exists(err):
            print("---- strata stderr ----")
            print(open(err).read()[-3000:])
        return 1
    finally:
        if strata is not None and strata.poll() is None:
            strata.kill()
            strata.wait()
        subprocess.run(["bash", peer, "stop", ns_d], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["bash", topo, "down", prefix], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    sys.exit(main())
