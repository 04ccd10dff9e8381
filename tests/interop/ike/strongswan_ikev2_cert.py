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
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from strongswan_peer import (C_ADDR, C_ID, D_ADDR, D_ID, SKIP, Fail, Testbed, check,  # noqa: E402
                             child_sa_checks, have_strongswan, ike_sa_checks, parse_args, run_case, sh)

LAN_C = "192.0.2.0/24,2001:db8:1::/64"
LAN_D = "203.0.113.0/24,2001:db8:2::/64"
IKE = "aes128gcm16-prfsha256-x25519"  # as the template
ESP = "aes256-sha256"  # the template's aes256-sha256-modp2048 without PFS for the first CHILD SA
CONN = "gw-gw-cert"

# case -> (key type, strata role)
CASES = {
    "cert_rsa_initiator": ("rsa", "initiator"),
    "cert_rsa_responder": ("rsa", "responder"),
    "cert_ecdsa_initiator": ("ec", "initiator"),
    "cert_ecdsa_responder": ("ec", "responder"),
    "cert_fragmentation": ("rsa", "responder"),
}


def main():
    a = parse_args(CASES)
    if not have_strongswan():
        print("SKIP: strongSwan (charon, swanctl) not installed")
        return SKIP
    with Testbed(a, "i2c") as tb:
        return run_case(tb, lambda: run(a, tb))


def run(a, tb):
    kt, role = CASES[a.case]
    pki = os.path.join(a.workdir, "pki")
    sh(["bash", os.path.join(a.shared, "ike-certs.sh"), os.path.join(a.shared, "conf", "ikev2-cert-tunnel"), pki, kt])
    gc, gd = os.path.join(pki, "gw-c"), os.path.join(pki, "gw-d")
    tb.start(gd)
    tb.run_strata(["--json", "--local", C_ADDR, "--remote", D_ADDR, "--role", role,
                   "--cert", os.path.join(gc, "x509", "gw-c.pem"), "--key", os.path.join(gc, "private", "gw-c.key"),
                   "--ca", os.path.join(gc, "x509ca", "ca.pem"), "--local-id", C_ID, "--remote-id", D_ID,
                   "--ike-proposals", IKE, "--esp-proposals", ESP, "--local-ts", LAN_C, "--remote-ts", LAN_D,
                   "--timeout", "25"])
    evs, up = tb.come_up(role, ("child-sa-up", "auth-failed"), 15)
    ch = [e for e in evs if e["event"] == "child-sa-up"]
    if len(ch) != 1:
        raise Fail("no child-sa-up from strata")
    ch = ch[0]
    sas = tb.swan_sa(CONN)
    si, sc = sas["ike"], sas["child"]
    log = tb.charon_log()
    checks = ike_sa_checks(si, up) + [
        ("IKE remote id (strongSwan)", si.get("remote-id"), C_ID),
        ("strata initiator flag", up["initiator"], role == "initiator"),
    ] + child_sa_checks(sc, ch) + [
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
    check(checks)
    tb.stop_strata()
    return 0


if __name__ == "__main__":
    sys.exit(main())
