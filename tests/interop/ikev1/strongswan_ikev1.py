#!/usr/bin/python3
"""IKEv1 interop: `strata ike --ike 1` against strongSwan's charon (version = 1).

One case per run (--case). Builds its own four namespaces with a unique prefix
(shared/interop/topology.sh), starts charon in gw D (198.51.100.2) with a
swanctl.conf generated for the case (encap = yes: kernel-libipsec only does
ESP in UDP, so charon claims a NAT and both sides must do RFC 3947 NAT-T),
runs `strata ike --ike 1 --json` in gw C (198.51.100.1), and checks that
`swanctl --list-sas --raw` shows the cookies, SPIs and algorithms Strata
reported. Then the case's action (DELETE from either side, a rekey started by
strongSwan, DPD both ways). Exit 0 pass, 1 fail, 77 skip (no strongSwan).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from ikev1_case import LAN_C, LAN_D, bring_up, main, swanctl_connection  # noqa: E402
from strongswan_peer import C_ADDR, D_ADDR, PSK, Fail, check, parse_raw_sas  # noqa: E402

CONN = "gw-gw-v1"

# case -> strata role, IKE proposal, ESP proposal (a group = PFS), action at the end
CASES = {
    "main_mode_psk_initiator": ("initiator", "aes256-sha256-modp2048", "aes128-sha256-modp2048", "delete_strata"),
    "main_mode_psk_responder": ("responder", "aes256-sha256-modp2048", "aes128-sha256-modp2048", "delete_swan"),
    "quick_mode_pfs": ("initiator", "3des-sha1-modp1024", "3des-sha1-modp1024", "delete_strata"),
    "aes_sha256_modp2048": ("responder", "aes256-sha256-modp2048", "aes256-sha256", "delete_swan"),
    "ecp256": ("initiator", "aes128-sha256-ecp256", "aes128-sha256-ecp256", "delete_strata"),
    "delete_from_strata": ("responder", "aes128-sha1-modp2048", "aes128-sha1", "delete_strata"),
    "delete_from_strongswan": ("initiator", "aes128-sha1-modp2048", "aes128-sha1", "delete_swan"),
    "child_rekey_by_strongswan": ("initiator", "aes256-sha256-modp2048", "aes128-sha256-modp2048", "rekey_swan"),
    "dpd": ("initiator", "aes256-sha256-modp2048", "aes128-sha256", "dpd"),
    "dpd_answered": ("initiator", "aes256-sha256-modp2048", "aes128-sha256", "dpd_answered"),
}


def swanctl_conf(ike, esp, dpd):
    return swanctl_connection(CONN, ike, esp, "auth = psk", "auth = psk",
                              extra=f"dpd_delay = {dpd}" if dpd else "", child_extra="dpd_action = clear") + f"""
secrets {{
    ike-gw {{
        id-c = {C_ADDR}
        id-d = {D_ADDR}
        secret = "{PSK}"
    }}
}}
"""


def run(a, tb):
    role, ike, esp, action = CASES[a.case]
    # One side probes per case: a probe counts as traffic for the other side
    # (RFC 3706 §5.5), so equal delays let one side silence the other.
    tb.start(tb.write_conf(swanctl_conf(ike, esp, {"dpd": "30s", "dpd_answered": "2s"}.get(action))))

    def list_sas():
        return parse_raw_sas(tb.raw_sas(), CONN)

    cmd = ["--ike", "1", "--json", "--local", C_ADDR, "--remote", D_ADDR, "--role", role, "--psk", PSK,
           "--ike-proposals", ike, "--esp-proposals", esp, "--local-ts", LAN_C, "--remote-ts", LAN_D,
           "--timeout", "40", "--keylog", os.path.join(a.workdir, "ikev1_decryption_table")]
    if action in ("dpd", "dpd_answered"):
        cmd += ["--dpd", "2" if action == "dpd" else "30"]
    tb.run_strata(cmd)
    up, ch, si, sc, checks = bring_up(tb, CONN, role)
    check(checks + [
        ("IKE initiator", si.get("initiator"), "yes" if role == "responder" else None),
        ("strata IKE port after NAT-T", up["local"], f"{C_ADDR}[4500]"),
        ("strata saw strongSwan's fake NAT", up["nat_remote"], True),
        ("CHILD mode", sc.get("mode"), "TUNNEL"),
        ("strata encap", ch["encap"], True),
        ("strata PFS as configured", ch["dh"] != "", esp.count("-") == 2),
        ("strata local TS", ch["local_ts"], [LAN_C]),
        ("strata remote TS", ch["remote_ts"], [LAN_D]),
    ])

    if action == "delete_strata":
        tb.stop_strata()
        deadline = time.time() + 10
        while time.time() < deadline and list_sas() is not None:
            time.sleep(0.2)
        if list_sas() is not None:
            raise Fail("strongSwan still lists the IKE SA after Strata's DELETEs")
        evs = tb.events()
        if not any(e["event"] == "ike-sa-down" for e in evs) or not any(e["event"] == "child-sa-down" for e in evs):
            raise Fail("strata reported no ike-sa-down / child-sa-down")
        log = tb.charon_log()
        if "received DELETE for ESP CHILD_SA" not in log and "received DELETE for IKE_SA" not in log:
            raise Fail("charon did not log Strata's DELETE")
        print("  ok  strongSwan removed the SAs after Strata's DELETEs")
    elif action == "delete_swan":
        print(tb.swanctl("--terminate", "--ike", CONN, "--timeout", "10"))
        pred = lambda evs: any(e["event"] == "ike-sa-down" and e.get("reason") == "deleted by peer" for e in evs)
        if not tb.wait_for(pred, 10):
            raise Fail("strata did not report the peer's ISAKMP DELETE")
        if not any(e["event"] == "child-sa-down" for e in tb.events()):
            raise Fail("strata did not report the IPsec SA down")
        print("  ok  Strata saw strongSwan's DELETEs")
        tb.stop_strata()
    elif action == "rekey_swan":
        old_in = ch["spi_in"]
        print(tb.swanctl("--rekey", "--child", "net"))
        pred = lambda evs: len([e for e in evs if e["event"] == "child-sa-up"]) >= 2
        if not tb.wait_for(pred, 10):
            raise Fail("strata reported no second child-sa-up after strongSwan's rekey")
        new = [e for e in tb.events() if e["event"] == "child-sa-up"][-1]
        time.sleep(0.5)  # strongSwan installs after our QM2 and its QM3
        sas = list_sas()
        kids = sas["children"] if sas else []
        print("strongSwan children after rekey:", kids)
        pairs = [(k.get("spi-in"), k.get("spi-out")) for k in kids if k.get("state") == "INSTALLED"]
        if pairs != [(new["spi_out"], new["spi_in"])]:
            raise Fail(f"strongSwan's installed SAs {pairs} are not Strata's new pair "
                       f"({new['spi_out']}, {new['spi_in']})")
        # strongSwan's IKEv1 keeps the replaced pair as REKEYED (inbound
        # only, for packets in flight) until it expires; it sends no DELETE
        # for it right away (RFC 2409 does not require one).
        old = [k for k in kids if k.get("state") == "REKEYED"]
        if [k.get("spi-in") for k in old] != [ch["spi_out"]]:
            raise Fail(f"strongSwan does not show the old pair as REKEYED: {old}")
        if new["spi_in"] == old_in:
            raise Fail("the rekeyed SA kept its SPI")
        if sas["ike"].get("initiator-spi") != up["spi_i"]:
            raise Fail("the rekey did not run under the same ISAKMP SA")
        print("  ok  strongSwan's quick mode rekey: new SPIs on both sides, the old pair REKEYED")
        tb.stop_strata()
    elif action in ("dpd", "dpd_answered"):
        time.sleep(6)  # idle: the probing side (2 s) sends two or three R-U-THERE
        tb.stop_strata()
        stats = [e for e in tb.events() if e["event"] == "stats"]
        if not stats:
            raise Fail("strata printed no stats")
        st = stats[-1]
        print("strata stats:", st)
        got_ack = len(re.findall(r"received DPD Acknowledgment|DPD_R_U_THERE_ACK", tb.charon_log()))
        print("charon R-U-THERE-ACK lines:", got_ack)
        if action == "dpd" and (st["dpd_sent"] < 1 or st["dpd_acked"] < 1):
            raise Fail("strongSwan did not acknowledge Strata's R-U-THERE")
        if action == "dpd_answered" and st["dpd_answered"] < 1:
            raise Fail("Strata answered no R-U-THERE from strongSwan")
        print(f"  ok  DPD: Strata sent {st['dpd_sent']}, strongSwan acked {st['dpd_acked']}, "
              f"Strata answered {st['dpd_answered']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(CASES, "i1", run))
