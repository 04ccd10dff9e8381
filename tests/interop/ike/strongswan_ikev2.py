#!/usr/bin/python3
"""IKEv2 interop: `strata ike` against strongSwan (charon + swanctl) in netns.

One case per run (--case). Builds its own four namespaces with a unique prefix
(shared/interop/topology.sh), starts charon in gw D (198.51.100.2) with a
swanctl.conf generated for the case, runs `strata ike --json` in gw C
(198.51.100.1), and checks that `swanctl --list-sas --raw` shows the IKE SPIs,
CHILD SPIs and algorithms Strata reported. Then the case's action (a rekey by
either side, dead peer detection against a killed charon) and at the end one
side deletes the IKE SA and the other must see it go. The plumbing lives in
../common/strongswan_peer.py. Exit 0 pass, 1 fail, 77 skip (no strongSwan).
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from strongswan_peer import (C_ADDR, C_ID, D_ADDR, D_ID, DH, ENCR, INTEG, PRF, PSK, SKIP, Fail,  # noqa: E402
                             Testbed, check, child_sa_checks, have_strongswan, ike_sa_checks, list_ike_sas,
                             parse_args, parse_raw_sas, run_case)

LAN_C = "192.0.2.0/24,2001:db8:1::/64"
LAN_D = "203.0.113.0/24,2001:db8:2::/64"
CONN = "gw-gw"

# case -> strata role, IKE proposal, ESP proposal, mode, who deletes at the end
CASES = {
    "psk_initiator": ("initiator", "aes256-sha256-ecp256", "aes128gcm16", "tunnel", "strata"),
    "psk_responder": ("responder", "aes256-sha256-ecp256", "aes128gcm16", "tunnel", "strongswan"),
    "natt_udp_encap": ("initiator", "aes256-sha256-ecp256", "aes128gcm16", "tunnel", "strata"),
    "ike_aes_gcm": ("initiator", "aes256gcm16-prfsha384-ecp384", "aes256gcm16", "tunnel", "strata"),
    "ike_aes_cbc_sha2": ("responder", "aes128-sha256-modp2048", "aes256-sha256", "tunnel", "strongswan"),
    "dh_x25519": ("initiator", "aes128gcm16-prfsha256-x25519", "aes128gcm16", "tunnel", "strata"),
    "dh_ecp256": ("responder", "aes128-sha256-ecp256", "aes128-sha256", "tunnel", "strongswan"),
    "dh_modp2048": ("initiator", "aes256-sha256-modp2048", "aes256-sha256", "tunnel", "strata"),
    "delete_from_strata": ("responder", "aes256-sha256-ecp256", "aes128gcm16", "tunnel", "strata"),
    "delete_from_strongswan": ("initiator", "aes256-sha256-ecp256", "aes128gcm16", "tunnel", "strongswan"),
    "transport_refused": ("initiator", "aes256-sha256-ecp256", "aes128gcm16", "transport", "strata"),
    # rekeys started by strongSwan (swanctl --rekey); ESP with a group: PFS
    "child_rekey_pfs_by_strongswan": ("initiator", "aes256-sha256-ecp256", "aes128gcm16-x25519", "tunnel",
                                      "strata"),
    "ike_rekey_by_strongswan": ("responder", "aes128gcm16-prfsha256-x25519", "aes128gcm16-ecp256", "tunnel",
                                "strata"),
    # rekeys started by Strata (--rekey-after / --rekey-ike-after); the CHILD
    # SA one on an IKE SA strongSwan initiated, with AES-CBC + HMAC and ECP-256 PFS
    "child_rekey_pfs_by_strata": ("responder", "aes128gcm16-prfsha256-x25519", "aes256-sha256-ecp256", "tunnel",
                                  "strata"),
    "ike_rekey_by_strata": ("initiator", "aes256-sha256-modp2048", "aes128gcm16", "tunnel", "strata"),
    # Strata's liveness checks find charon gone (SIGKILL: no DELETE)
    "dpd_detects_dead_strongswan": ("initiator", "aes256-sha256-ecp256", "aes128gcm16", "tunnel", None),
}

# case -> what strongSwan rekeys once the SAs are up
REKEY_BY_STRONGSWAN = {"child_rekey_pfs_by_strongswan": "child", "ike_rekey_by_strongswan": "ike"}
# Strata rekeys this many seconds after the SA came up, and again as long as
# it runs (strongSwan's rekey_time): the checks must be done within one period.
REKEY_AFTER = 6
# strongSwan keeps a rekeyed CHILD SA's inbound half for delete_rekeyed_delay
# (default 5 s; listed as DELETED): 1 s, so the old SA is gone within a period.
STRONGSWAN_CONF = {"child_rekey_pfs_by_strata": "charon {\n    delete_rekeyed_delay = 1\n}\n"}
# DPD: a check after 1 s of silence, retransmitted after 0.5 s, 0.9 s, then
# given up 1.62 s later (3 sends, back-off 1.8; ike::RetransmitConfig).
DPD, RT_TIMEOUT, RT_TRIES, RT_BACKOFF = 1.0, 0.5, 3, 1.8
RT_BUDGET = sum(RT_TIMEOUT * RT_BACKOFF ** k for k in range(RT_TRIES))
STRATA_ARGS = {
    "child_rekey_pfs_by_strata": ["--rekey-after", str(REKEY_AFTER)],
    "ike_rekey_by_strata": ["--rekey-ike-after", str(REKEY_AFTER)],
    "dpd_detects_dead_strongswan": ["--dpd", str(DPD), "--retransmit-timeout", str(RT_TIMEOUT),
                                    "--retransmit-tries", str(RT_TRIES)],
}


def swanctl_conf(ike, esp, mode, lan_c, lan_d):
    # swanctl's esp_proposals: the ESP keywords; strongSwan is configured
    # with exactly what Strata proposes, so both must agree on one set.
    return f"""connections {{
    {CONN} {{
        version = 2
        local_addrs = {D_ADDR}
        remote_addrs = {C_ADDR}
        encap = yes
        proposals = {ike}
        local {{
            auth = psk
            id = {D_ID}
        }}
        remote {{
            auth = psk
            id = {C_ID}
        }}
        children {{
            net {{
                mode = {mode}
                local_ts = {lan_d.replace(',', ', ')}
                remote_ts = {lan_c.replace(',', ', ')}
                esp_proposals = {esp}
                start_action = none
            }}
        }}
    }}
}}
secrets {{
    ike-gw {{
        id-c = {C_ID}
        id-d = {D_ID}
        secret = "{PSK}"
    }}
}}
"""


def wait_for(events, pred, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        hit = [e for e in events() if pred(e)]
        if hit:
            return hit
        time.sleep(0.1)
    return []


def rekey_by_strongswan(case, tb, up, ch):
    """swanctl --rekey; Strata must report the rekey and strongSwan must list
    the new SPIs Strata reports, with the old ones gone."""
    what = REKEY_BY_STRONGSWAN[case]
    print(tb.swanctl(*(["--rekey", "--child", "net"] if what == "child" else ["--rekey", "--ike", CONN])))
    events = tb.events
    if what == "child":
        rk = wait_for(events, lambda e: e["event"] == "child-sa-rekeyed", 10)
        if not rk:
            raise Fail("strata reported no child-sa-rekeyed")
        rk = rk[0]
        # The old pair goes once strongSwan deleted it (RFC 7296 §1.3.3).
        down = wait_for(events, lambda e: e["event"] == "child-sa-down" and e["spi_in"] == ch["spi_in"], 10)
        sc = parse_raw_sas(tb.raw_sas(), CONN)["child"]
        checks = [
            ("rekeyed names the old SA", (rk["old_spi_in"], rk["old_spi_out"]), (ch["spi_in"], ch["spi_out"])),
            ("new SPIs differ", rk["spi_in"] != ch["spi_in"] and rk["spi_out"] != ch["spi_out"], True),
            ("old CHILD SA reported down", len(down), 1),
            ("CHILD state after rekey", sc.get("state"), "INSTALLED"),
            ("CHILD spi-in (strongSwan) = strata new out", sc.get("spi-in"), rk["spi_out"]),
            ("CHILD spi-out (strongSwan) = strata new in", sc.get("spi-out"), rk["spi_in"]),
            ("CHILD PFS group (strongSwan)", sc.get("dh-group"), DH.get(rk["dh_id"])),
            ("strata PFS group", rk["dh"], "x25519"),
        ]
    else:
        rk = wait_for(events, lambda e: e["event"] == "ike-sa-rekeyed", 10)
        if not rk:
            raise Fail("strata reported no ike-sa-rekeyed")
        rk = rk[0]
        time.sleep(1.0)  # strongSwan deletes the old IKE SA after the rekey
        raw = tb.raw_sas()
        print("swanctl --list-sas --raw after rekey:", raw)
        sas = parse_raw_sas(raw, CONN)
        si, sc = sas["ike"], sas["child"]
        checks = [
            ("rekeyed names the old IKE SA", (rk["old_spi_i"], rk["old_spi_r"]), (up["spi_i"], up["spi_r"])),
            ("one IKE SA listed", raw.count(f"{CONN} {{"), 1),
            ("new IKE SPIi", si.get("initiator-spi"), rk["spi_i"]),
            ("new IKE SPIr", si.get("responder-spi"), rk["spi_r"]),
            ("new SPIs differ", rk["spi_i"] != up["spi_i"] and rk["spi_r"] != up["spi_r"], True),
            ("IKE dh after rekey", si.get("dh-group"), DH.get(rk["dh_id"])),
            ("IKE state after rekey", si.get("state"), "ESTABLISHED"),
            ("CHILD SA moved over (strongSwan spi-in = strata out)", sc.get("spi-in"), ch["spi_out"]),
            ("no CHILD SA down", [e for e in events() if e["event"] == "child-sa-down"], []),
            ("no IKE SA down", [e for e in events() if e["event"] == "ike-sa-down"], []),
        ]
    check(checks, "mismatch after rekey")


def child_rekey_by_strata(tb, ch, esp, up_seen):
    """--rekey-after: Strata sends CREATE_CHILD_SA with REKEY_SA and a KE (PFS),
    then DELETEs the old pair; both sides must hold only the new pair."""
    if not tb.wait_for(lambda evs: any(e["event"] == "child-sa-rekeyed" for e in evs), REKEY_AFTER + 10):
        raise Fail("strata reported no child-sa-rekeyed")
    rekeyed_at = time.time()
    rk = tb.first("child-sa-rekeyed")
    # Strata, the rekey's initiator, deletes the old pair (RFC 7296 §2.8).
    old_down = lambda evs: any(e["event"] == "child-sa-down" and e["spi_in"] == ch["spi_in"] for e in evs)
    if not tb.wait_for(old_down, 10):
        raise Fail("strata never reported the old CHILD SA down")
    old = {ch["spi_in"], ch["spi_out"]}
    has_old = lambda sas: any(c.get("spi-in") in old or c.get("spi-out") in old for sa in sas for c in sa["children"])
    deadline = time.time() + 5
    while has_old(list_ike_sas(tb.raw_sas(), CONN)) and time.time() < deadline:
        time.sleep(0.2)
    raw = tb.raw_sas()
    print("swanctl --list-sas --raw after Strata's CHILD rekey:", raw)
    sas = list_ike_sas(raw, CONN)
    kids = [c for sa in sas for c in sa["children"]]
    sc = kids[0] if kids else {}
    mine = tb.strata_sas()
    print("strata's SAs:", json.dumps(mine))
    log = tb.charon_log()
    checks = [
        ("rekeyed names the old SA", (rk["old_spi_in"], rk["old_spi_out"]), (ch["spi_in"], ch["spi_out"])),
        ("new SPIs differ", rk["spi_in"] != ch["spi_in"] and rk["spi_out"] != ch["spi_out"], True),
        ("rekeyed --rekey-after seconds after the CHILD SA came up",
         REKEY_AFTER - 0.5 <= rekeyed_at - up_seen <= REKEY_AFTER + 5, True),
        ("strongSwan: one IKE SA", len(sas), 1),
        ("strongSwan: one CHILD SA (the old one deleted)", len(kids), 1),
        ("strongSwan: old SPIs gone", [c for c in kids if c.get("spi-in") in old or c.get("spi-out") in old], []),
        ("CHILD state after rekey", sc.get("state"), "INSTALLED"),
        ("CHILD spi-in (strongSwan) = strata new out", sc.get("spi-in"), rk["spi_out"]),
        ("CHILD spi-out (strongSwan) = strata new in", sc.get("spi-out"), rk["spi_in"]),
        ("CHILD encr after rekey", sc.get("encr-alg"), ENCR.get(rk["encr_id"])),
        ("CHILD encr keysize after rekey", sc.get("encr-keysize"), str(rk["encr_keybits"])),
        ("CHILD integ after rekey", sc.get("integ-alg"), INTEG.get(rk["integ_id"]) if rk["integ_id"] else None),
        ("CHILD PFS group (strongSwan)", sc.get("dh-group"), DH.get(rk["dh_id"])),
        ("strata PFS group as configured", rk["dh"], esp.split("-")[-1]),
        ("strata: one CHILD SA, the new one",
         [(c["spi_in"], c["spi_out"], c["rekeying"]) for c in mine["child_sas"]],
         [(rk["spi_in"], rk["spi_out"], False)]),
        # charon answered our rekey: REKEY_SA, SA, Ni, KE (RFC 7296 §1.3.3)
        ("charon parsed Strata's rekey with KE",
         bool(re.search(r"parsed CREATE_CHILD_SA request \d+ \[[^\]]*N\(REKEY_SA\)[^\]]*\bKE\b", log)), True),
        # a DELETE carries the sender's inbound SPI (RFC 7296 §3.11)
        ("charon got Strata's DELETE of the old pair", f"received DELETE for ESP CHILD_SA with SPI {ch['spi_in']}" in log,
         True),
        ("no IKE SA down", [e for e in tb.events() if e["event"] == "ike-sa-down"], []),
    ]
    check(checks, "mismatch after Strata's CHILD rekey")


def ike_rekey_by_strata(tb, up, ch):
    """--rekey-ike-after: Strata sends CREATE_CHILD_SA with SA, Ni and KE
    (RFC 7296 §1.3.2), then DELETEs the old IKE SA; the CHILD SA moves over."""
    if not tb.wait_for(lambda evs: any(e["event"] == "ike-sa-rekeyed" for e in evs), REKEY_AFTER + 10):
        raise Fail("strata reported no ike-sa-rekeyed")
    rk = tb.first("ike-sa-rekeyed")
    deadline = time.time() + 5
    while len(list_ike_sas(tb.raw_sas(), CONN)) != 1 and time.time() < deadline:
        time.sleep(0.2)
    raw = tb.raw_sas()
    print("swanctl --list-sas --raw after Strata's IKE rekey:", raw)
    sas = list_ike_sas(raw, CONN)
    si = sas[0] if sas else {}
    kids = si.get("children", [])
    sc = kids[0] if kids else {}
    mine = tb.strata_sas()
    print("strata's SAs:", json.dumps(mine))
    log = tb.charon_log()
    checks = [
        ("rekeyed names the old IKE SA", (rk["old_spi_i"], rk["old_spi_r"]), (up["spi_i"], up["spi_r"])),
        ("new SPIs differ", rk["spi_i"] != up["spi_i"] and rk["spi_r"] != up["spi_r"], True),
        ("strongSwan: one IKE SA (the old one deleted)", len(sas), 1),
        ("new IKE SPIi", si.get("initiator-spi"), rk["spi_i"]),
        ("new IKE SPIr", si.get("responder-spi"), rk["spi_r"]),
        ("IKE state after rekey", si.get("state"), "ESTABLISHED"),
        ("IKE encr after rekey", si.get("encr-alg"), ENCR.get(rk["encr_id"])),
        ("IKE encr keysize after rekey", si.get("encr-keysize"), str(rk["encr_keybits"])),
        ("IKE integ after rekey", si.get("integ-alg"), INTEG.get(rk["integ_id"]) if rk["integ_id"] else None),
        ("IKE prf after rekey", si.get("prf-alg"), PRF.get(rk["prf_id"])),
        ("IKE dh after rekey", si.get("dh-group"), DH.get(rk["dh_id"])),
        ("same algorithms as before", rk["algorithms"], up["algorithms"]),
        ("strongSwan: CHILD SA moved over", (sc.get("spi-in"), sc.get("spi-out"), len(kids)),
         (ch["spi_out"], ch["spi_in"], 1)),
        ("strata: one IKE SA, the new one",
         [(s["spi_i"], s["spi_r"], s["established"]) for s in mine["ike_sas"]], [(rk["spi_i"], rk["spi_r"], True)]),
        ("strata: the CHILD SA under the new IKE SA",
         [(c["spi_in"], c["ike_spi_i"], c["ike_spi_r"]) for c in mine["child_sas"]],
         [(ch["spi_in"], rk["spi_i"], rk["spi_r"])]),
        # the rekey request has SA, Ni and KE, no TS (RFC 7296 §1.3.2)
        ("charon parsed Strata's IKE rekey", bool(re.search(r"parsed CREATE_CHILD_SA request \d+ \[ SA No KE \]", log)),
         True),
        ("charon got Strata's DELETE of the old IKE SA", "received DELETE for IKE_SA" in log, True),
        ("no CHILD SA down", [e for e in tb.events() if e["event"] == "child-sa-down"], []),
        ("no IKE SA down", [e for e in tb.events() if e["event"] == "ike-sa-down"], []),
    ]
    check(checks, "mismatch after Strata's IKE rekey")


def dpd_detects_dead(tb, up_seen):
    """charon is SIGKILLed (no DELETE); Strata's liveness check goes
    unanswered, is retransmitted and given up (RFC 7296 §1.4, §2.4): Strata
    reports the IKE SA down with reason dpd and exits with status 3."""
    # First charon must have answered one of Strata's empty INFORMATIONALs.
    answered = r"parsed INFORMATIONAL request \d+ \[ \]"
    deadline = time.time() + DPD + 5
    while not re.search(answered, tb.charon_log()) and time.time() < deadline:
        time.sleep(0.1)
    answered_before = bool(re.search(answered, tb.charon_log()))
    killed = tb.kill_charon()
    down_at = None
    while time.time() < killed + DPD + RT_BUDGET + 10 and tb.strata.poll() is None:
        if down_at is None and any(e["event"] == "ike-sa-down" for e in tb.events()):
            down_at = time.time()
        time.sleep(0.05)
    try:
        rc = tb.strata.wait(timeout=5)
    except subprocess.TimeoutExpired:
        raise Fail("strata still runs after the peer died")
    if down_at is None:
        down_at = time.time()
    evs = tb.events()
    print("strata events after the kill:", json.dumps(evs[-4:], indent=1))
    took = down_at - killed
    downs = [e for e in evs if e["event"] == "ike-sa-down"]
    kids = [e for e in evs if e["event"] == "child-sa-down"]
    stats = [e for e in evs if e["event"] == "stats"]
    since_up = down_at - up_seen
    print(f"IKE SA down {took:.2f} s after the kill, {since_up:.2f} s after it came up "
          f"(DPD {DPD} s + retransmissions {RT_BUDGET:.2f} s)")
    check([
        ("charon answered a liveness check before the kill", answered_before, True),
        ("strata exit status (peer dead)", rc, 3),
        ("ike-sa-down reason", [e["reason"] for e in downs], ["dpd"]),
        ("child-sa-down reason", [e["reason"] for e in kids], ["dead peer"]),
        ("liveness checks sent (one answered, one not)", bool(stats) and stats[-1]["dpd_sent"] >= 2, True),
        # The unanswered check goes out DPD after the last message received
        # (at the latest DPD after the kill, at the earliest DPD after the SA
        # came up) and is given up RT_BUDGET after that.
        ("down within DPD + retransmit budget of the kill (+1 s slack)", took <= DPD + RT_BUDGET + 1.0, True),
        ("not before DPD + the retransmissions ran out (-1 s for polling)", since_up >= DPD + RT_BUDGET - 1.0,
         True),
    ], "dead peer detection")


def main():
    a = parse_args(CASES)
    if not have_strongswan():
        print("SKIP: strongSwan (charon, swanctl) not installed")
        return SKIP
    role, ike, esp, mode, deleter = CASES[a.case]
    # Transport mode protects the two hosts themselves.
    lan_c, lan_d = (C_ADDR, D_ADDR) if mode == "transport" else (LAN_C, LAN_D)
    with Testbed(a, "i2") as tb:
        return run_case(tb, lambda: run(a, tb, role, ike, esp, mode, deleter, lan_c, lan_d))


def run(a, tb, role, ike, esp, mode, deleter, lan_c, lan_d):
    confdir = tb.write_conf(swanctl_conf(ike, esp, mode, lan_c, lan_d))
    if a.case in STRONGSWAN_CONF:
        with open(os.path.join(confdir, "strongswan.conf"), "w") as f:
            f.write(STRONGSWAN_CONF[a.case])
    tb.start(confdir)
    tb.run_strata(["--json", "--local", C_ADDR, "--remote", D_ADDR, "--role", role, "--psk", PSK,
                   "--local-id", C_ID, "--remote-id", D_ID, "--ike-proposals", ike, "--esp-proposals", esp,
                   "--local-ts", lan_c, "--remote-ts", lan_d, "--mode", mode, "--timeout", "60",
                   "--keylog", os.path.join(a.workdir, "ikev2_decryption_table")] + STRATA_ARGS.get(a.case, []))
    evs, up = tb.come_up(role, ("child-sa-failed",) if mode == "transport" else ("child-sa-up",), 20)
    up_seen = time.time()
    sas = tb.swan_sa(CONN)
    si = sas["ike"]
    checks = ike_sa_checks(si, up) + [
        ("IKE initiator", si.get("initiator"), "yes" if role == "responder" else None),
        ("strata initiator flag", up["initiator"], role == "initiator"),
        ("strata IKE port after NAT-T", up["local"], f"{C_ADDR}[4500]"),
        ("strata saw strongSwan's fake NAT", up["nat_remote"], True),
        ("strongSwan remote port", si.get("remote-port"), "4500"),
    ]
    ch = None
    if mode == "transport":
        failed = [e for e in evs if e["event"] == "child-sa-failed"]
        checks += [("strata child refused", len(failed), 1),
                   ("strata reason", failed[0]["reason"] if failed else None, "NO_PROPOSAL_CHOSEN"),
                   ("strongSwan child SAs", sas["children"], [])]
        # strongSwan parsed our USE_TRANSPORT_MODE and tried a transport SA
        # (kernel-libipsec cannot install one: shared/interop/README.md).
        checks.append(("charon tried transport mode", "unsupported mode" in tb.charon_log(), True))
    else:
        ch = [e for e in evs if e["event"] == "child-sa-up"]
        if len(ch) != 1:
            raise Fail("no child-sa-up from strata")
        ch = ch[0]
        sc = sas["child"]
        checks += child_sa_checks(sc, ch) + [
            ("CHILD mode", sc.get("mode"), "TUNNEL"),
            ("CHILD encap", sc.get("encap"), "yes"),
            ("strata encap", ch["encap"], True),
            ("strata local TS", sorted(ch["local_ts"]), sorted(LAN_C.split(","))),
            ("strata remote TS", sorted(ch["remote_ts"]), sorted(LAN_D.split(","))),
        ]
    check(checks)

    if a.case in REKEY_BY_STRONGSWAN:
        rekey_by_strongswan(a.case, tb, up, ch)
    elif a.case == "child_rekey_pfs_by_strata":
        child_rekey_by_strata(tb, ch, esp, up_seen)
    elif a.case == "ike_rekey_by_strata":
        ike_rekey_by_strata(tb, up, ch)
    elif a.case == "dpd_detects_dead_strongswan":
        dpd_detects_dead(tb, up_seen)
        return 0

    # DELETE from one side; the other must see the IKE SA go.
    if deleter == "strata":
        tb.stop_strata()
        deadline = time.time() + 10
        while time.time() < deadline:
            if parse_raw_sas(tb.raw_sas(), CONN) is None:
                break
            time.sleep(0.2)
        else:
            raise Fail("strongSwan still lists the IKE SA after Strata's DELETE")
        if not any(e["event"] == "ike-sa-down" for e in tb.events()):
            raise Fail("strata reported no ike-sa-down")
        print("  ok  strongSwan removed the IKE SA after Strata's DELETE")
    else:
        print(tb.swanctl("--terminate", "--ike", CONN, "--timeout", "10"))
        peer_delete = lambda evs: any(e["event"] == "ike-sa-down" and e.get("reason") == "deleted by peer" for e in evs)
        if not tb.wait_for(peer_delete, 10):
            raise Fail("strata did not report the peer's DELETE")
        if mode != "transport" and not any(e["event"] == "child-sa-down" for e in tb.events()):
            raise Fail("strata did not report the CHILD SA down")
        print("  ok  Strata saw strongSwan's DELETE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
