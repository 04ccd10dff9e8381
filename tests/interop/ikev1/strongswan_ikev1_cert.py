#!/usr/bin/python3
"""IKEv1 with X.509 certificates: `strata ike --ike 1` against strongSwan.

One case per run (--case). shared/interop/ike-certs.sh makes a fresh CA and
gw-c/gw-d certificates (SAN DNS:gw-X.example.org); charon runs in gw D
(198.51.100.2) with a generated IKEv1 swanctl.conf (version = 1, auth =
pubkey, encap = yes as the other IKEv1 cases) beside gw-d's certificate and
key, `strata ike --ike 1 --cert/--key/--ca` in gw C with gw-c's files.
Main mode with signatures (RFC 2409 §5.1: RSA, RFC 4754: ECDSA P-256):

  rsa_sig_initiator    Strata initiates, RSA keys
  rsa_sig_responder    strongSwan initiates, RSA keys
  ecdsa_sig_responder  strongSwan initiates, ECDSA P-256 keys (method 9)
  cert_from_other_ca   Strata initiates trusting only another CA: it must
                       refuse strongSwan's certificate with a clear reason

The good cases compare `swanctl --list-sas --raw` with what Strata reported
(cookies, algorithms, SPIs) and check that charon logged our signature as
verified against our certificate. Exit 0 pass, 1 fail, 77 skip.
Registered in tests.cmake as interop.ikev1.strongswan.<case>.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from ikev1_case import LAN_C, LAN_D, bring_up, main, swanctl_connection  # noqa: E402
from strongswan_peer import C_ADDR, C_ID, D_ADDR, D_ID, Fail, check, sh  # noqa: E402

IKE = "aes256-sha256-modp2048"
ESP = "aes128-sha256-modp2048"
CONN = "gw-gw-v1cert"

# case -> (key type, strata role, strata trusts another CA)
CASES = {
    "rsa_sig_initiator": ("rsa", "initiator", False),
    "rsa_sig_responder": ("rsa", "responder", False),
    "ecdsa_sig_responder": ("ec", "responder", False),
    "cert_from_other_ca": ("rsa", "initiator", True),
}


def swanctl_conf():
    return swanctl_connection(CONN, IKE, ESP, f"auth = pubkey\n            certs = gw-d.pem\n            id = {D_ID}",
                              f"auth = pubkey\n            id = {C_ID}")


def run(a, tb):
    kt, role, other_ca = CASES[a.case]
    pki = os.path.join(a.workdir, "pki")
    tpl = os.path.join(a.shared, "conf", "ikev2-cert-tunnel")
    sh(["bash", os.path.join(a.shared, "ike-certs.sh"), tpl, pki, kt])
    gc, gd = os.path.join(pki, "gw-c"), os.path.join(pki, "gw-d")
    with open(os.path.join(gd, "swanctl.conf"), "w") as f:
        f.write(swanctl_conf())
    ca = os.path.join(gc, "x509ca", "ca.pem")
    if other_ca:
        # A second, unrelated PKI: Strata trusts only its CA.
        other = os.path.join(a.workdir, "other-pki")
        sh(["bash", os.path.join(a.shared, "ike-certs.sh"), tpl, other, kt])
        ca = os.path.join(other, "gw-c", "x509ca", "ca.pem")
    tb.start(gd)
    tb.run_strata(["--ike", "1", "--json", "--local", C_ADDR, "--remote", D_ADDR, "--role", role,
                   "--cert", os.path.join(gc, "x509", "gw-c.pem"), "--key", os.path.join(gc, "private", "gw-c.key"),
                   "--ca", ca, "--local-id", C_ID, "--remote-id", D_ID,
                   "--ike-proposals", IKE, "--esp-proposals", ESP, "--local-ts", LAN_C, "--remote-ts", LAN_D,
                   "--timeout", "25", "--keylog", os.path.join(a.workdir, "ikev1_decryption_table")])
    if other_ca:
        return refused(tb)
    up, ch, si, sc, checks = bring_up(tb, CONN, role, ("child-sa-up", "auth-failed"))
    log = tb.charon_log()
    scheme = "RSA_EMSA_PKCS1_NULL" if kt == "rsa" else "ECDSA_WITH_NULL"
    check(checks + [
        ("IKE local id (strongSwan)", si.get("local-id"), D_ID),
        ("IKE remote id (strongSwan)", si.get("remote-id"), C_ID),
        ("strata remote id", up.get("remote_id"), D_ID),
        # charon verified our SIG_I/SIG_R (a hash signed without DigestInfo,
        # or r||s) against our certificate, chained to its CA.
        ("charon: our signature verified", bool(re.search(
            r"authentication of '" + re.escape(C_ID) + r"' with " + scheme + " successful", log)), True),
        ("charon: CA chain", "using trusted ca certificate" in log, True),
        ("charon: no auth failure", "AUTHENTICATION_FAILED" in log or "INVALID_SIGNATURE" in log, False),
    ])
    tb.stop_strata()
    return 0


def refused(tb):
    """Strata initiates; strongSwan accepts Strata's certificate (its own CA)
    and answers MM6 with gw-d's, which Strata must refuse: no CA of Strata's
    issued it."""
    ok = tb.wait_for(lambda evs: any(e["event"] in ("auth-failed", "ike-sa-up") for e in evs), 15)
    evs = tb.events()
    print("strata events:", evs)
    if not ok:
        raise Fail("strata reported neither auth-failed nor ike-sa-up")
    if any(e["event"] == "ike-sa-up" for e in evs):
        raise Fail("strata accepted a certificate from a CA it does not trust")
    af = [e for e in evs if e["event"] == "auth-failed"][0]
    want = f'peer certificate "CN={D_ID},O=interop-test" does not chain to a configured CA'
    check([
        ("strata's reason", af.get("reason"), want),
        ("charon verified Strata's own signature first",
         bool(re.search(r"authentication of '" + re.escape(C_ID) + r"' with RSA_EMSA_PKCS1_NULL successful",
                        tb.charon_log())), True),
    ])
    tb.stop_strata()
    return 0


if __name__ == "__main__":
    sys.exit(main(CASES, "i1c", run))
