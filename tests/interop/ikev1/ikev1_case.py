"""What the IKEv1 interop scripts against strongSwan share: the swanctl.conf
connection charon runs in gw D (version = 1, main mode, encap = yes because
kernel-libipsec only does ESP in UDP), the script's main, and bringing the
case's SAs up with the checks every good case makes against
`swanctl --list-sas --raw`."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from strongswan_peer import (C_ADDR, D_ADDR, DH, SKIP, Fail, Testbed, child_sa_checks,  # noqa: E402
                             have_strongswan, ike_sa_checks, parse_args, run_case)

LAN_C = "192.0.2.0/24"
LAN_D = "203.0.113.0/24"


def swanctl_connection(conn, ike, esp, local, remote, extra="", child_extra=""):
    """charon's connection `conn` in gw D with one child `net` (LAN_D <-> LAN_C);
    local/remote are the bodies of its local {} and remote {} sections."""
    return f"""connections {{
    {conn} {{
        version = 1
        aggressive = no
        local_addrs = {D_ADDR}
        remote_addrs = {C_ADDR}
        encap = yes
        proposals = {ike}
        {extra}
        local {{
            {local}
        }}
        remote {{
            {remote}
        }}
        children {{
            net {{
                mode = tunnel
                local_ts = {LAN_D}
                remote_ts = {LAN_C}
                esp_proposals = {esp}
                start_action = none
                {child_extra}
            }}
        }}
    }}
}}
"""


def main(cases, prefix, run):
    """Parses --case etc., skips without strongSwan, runs run(args, testbed)
    in a fresh testbed whose namespaces start with prefix."""
    a = parse_args(cases)
    if not have_strongswan():
        print("SKIP: strongSwan (charon, swanctl) not installed")
        return SKIP
    with Testbed(a, prefix, {"CHARON_LOGLEVEL": "2"}) as tb:
        return run_case(tb, lambda: run(a, tb))


def bring_up(tb, conn, role, done=("child-sa-up",)):
    """Waits for the case's SAs (strongSwan initiates when Strata responds);
    returns Strata's ike-sa-up and first child-sa-up, strongSwan's IKE SA and
    first CHILD SA, and the checks every good case makes on them."""
    evs, up = tb.come_up(role, done, 15)
    ch = [e for e in evs if e["event"] == "child-sa-up"]
    if not ch:
        raise Fail("no child-sa-up from strata")
    ch = ch[0]
    time.sleep(0.3)  # strongSwan as responder installs after QM3
    sas = tb.swan_sa(conn)
    si = sas["ike"]
    sc = sas["children"][0] if sas["children"] else {}
    checks = [("IKE version", si.get("version"), "1")] + ike_sa_checks(si, up) + [
        ("strata initiator flag", up["initiator"], role == "initiator"),
        ("strongSwan remote port", si.get("remote-port"), "4500"),
    ] + child_sa_checks(sc, ch) + [
        ("CHILD encap", sc.get("encap"), "yes"),
        ("CHILD PFS group", sc.get("dh-group"), DH.get(ch["dh_id"])),
    ]
    return up, ch, si, sc, checks
