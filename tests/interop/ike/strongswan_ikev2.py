#!/usr/bin/python3
"""IKEv2 interop: `strata ike` against strongSwan (charon + swanctl) in netns.

One case per run (--case). Builds its own four namespaces with a unique prefix
(shared/interop/topology.sh), starts charon in gw D (198.51.100.2) with a
swanctl.conf generated for the case, runs `strata ike --json` in gw C
(198.51.100.1), and checks that `swanctl --list-sas --raw` shows the IKE SPIs,
CHILD SPIs and algorithms Strata reported. Then one side deletes the IKE SA
and the other must see it go. Exit 0 pass, 1 fail, 77 skip (no strongSwan).
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

PSK = "interop-test-psk-0123456789"
C_ADDR, D_ADDR = "198.51.100.1", "198.51.100.2"
C_ID, D_ID = "gw-c.example.org", "gw-d.example.org"
LAN_C = "192.0.2.0/24,2001:db8:1::/64"
LAN_D = "203.0.113.0/24,2001:db8:2::/64"

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
}

# case -> what strongSwan rekeys once the SAs are up
REKEY_BY_STRONGSWAN = {"child_rekey_pfs_by_strongswan": "child", "ike_rekey_by_strongswan": "ike"}

ENCR = {12: "AES_CBC", 20: "AES_GCM_16", 19: "AES_GCM_12", 18: "AES_GCM_8", 28: "CHACHA20_POLY1305", 3: "3DES_CBC"}
INTEG = {12: "HMAC_SHA2_256_128", 13: "HMAC_SHA2_384_192", 14: "HMAC_SHA2_512_256", 2: "HMAC_SHA1_96"}
PRF = {5: "PRF_HMAC_SHA2_256", 6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512", 2: "PRF_HMAC_SHA1"}
DH = {14: "MODP_2048", 15: "MODP_3072", 19: "ECP_256", 20: "ECP_384", 31: "CURVE_25519"}


class Fail(Exception):
    pass


def sh(args, check=True, **kw):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if check and r.returncode != 0:
        raise Fail(f"{' '.join(args)} -> {r.returncode}\n{r.stdout}")
    return r.stdout


def swanctl_conf(ike, esp, mode, lan_c, lan_d):
    # swanctl's esp_proposals: the ESP keywords; strongSwan is configured
    # with exactly what Strata proposes, so both must agree on one set.
    return f"""connections {{
    gw-gw {{
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


def parse_raw_sas(text):
    """swanctl --list-sas --raw: {ike: {...}, child: {...}} of the first SA, or None."""
    m = re.search(r"gw-gw \{(.*)\}", text, re.S)
    if not m:
        return None
    body = m.group(1)
    ike_part, _, child_part = body.partition("child-sas {")
    kv = lambda s: dict(re.findall(r"([a-z0-9-]+)=([^\s\[\]{}]+)", s))
    ike = kv(ike_part)
    child = kv(child_part) if child_part else {}
    return {"ike": ike, "child": child}


def wait_for(events, pred, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        hit = [e for e in events() if pred(e)]
        if hit:
            return hit
        time.sleep(0.1)
    return []


def rekey_by_strongswan(case, peer, ns_d, env, events, up, ch):
    """swanctl --rekey; Strata must report the rekey and strongSwan must list
    the new SPIs Strata reports, with the old ones gone."""
    what = REKEY_BY_STRONGSWAN[case]
    args = ["--rekey", "--child", "net"] if what == "child" else ["--rekey", "--ike", "gw-gw"]
    print(sh(["bash", peer, "swanctl", ns_d] + args, env=env))
    checks = []
    if what == "child":
        rk = wait_for(events, lambda e: e["event"] == "child-sa-rekeyed", 10)
        if not rk:
            raise Fail("strata reported no child-sa-rekeyed")
        rk = rk[0]
        # The old pair goes once strongSwan deleted it (RFC 7296 §1.3.3).
        down = wait_for(events, lambda e: e["event"] == "child-sa-down" and e["spi_in"] == ch["spi_in"], 10)
        sc = parse_raw_sas(sh(["bash", peer, "swanctl", ns_d, "--list-sas", "--raw"], env=env))["child"]
        checks += [
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
        raw = sh(["bash", peer, "swanctl", ns_d, "--list-sas", "--raw"], env=env)
        print("swanctl --list-sas --raw after rekey:", raw)
        sas = parse_raw_sas(raw)
        si, sc = sas["ike"], sas["child"]
        checks += [
            ("rekeyed names the old IKE SA", (rk["old_spi_i"], rk["old_spi_r"]), (up["spi_i"], up["spi_r"])),
            ("one IKE SA listed", raw.count("gw-gw {"), 1),
            ("new IKE SPIi", si.get("initiator-spi"), rk["spi_i"]),
            ("new IKE SPIr", si.get("responder-spi"), rk["spi_r"]),
            ("new SPIs differ", rk["spi_i"] != up["spi_i"] and rk["spi_r"] != up["spi_r"], True),
            ("IKE dh after rekey", si.get("dh-group"), DH.get(rk["dh_id"])),
            ("IKE state after rekey", si.get("state"), "ESTABLISHED"),
            ("CHILD SA moved over (strongSwan spi-in = strata out)", sc.get("spi-in"), ch["spi_out"]),
            ("no CHILD SA down", [e for e in events() if e["event"] == "child-sa-down"], []),
            ("no IKE SA down", [e for e in events() if e["event"] == "ike-sa-down"], []),
        ]
    bad = [f"{name}: {got!r} != {want_!r}" for name, got, want_ in checks if got != want_]
    for name, got, want_ in checks:
        print(f"  {'ok ' if got == want_ else 'BAD'} {name}: {got!r} == {want_!r}")
    if bad:
        raise Fail("mismatch after rekey:\n" + "\n".join(bad))


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
    role, ike, esp, mode, deleter = CASES[a.case]
    # Transport mode protects the two hosts themselves.
    lan_c, lan_d = (C_ADDR, D_ADDR) if mode == "transport" else (LAN_C, LAN_D)
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    prefix = f"i2{os.getpid() % 100000}"
    ns_c, ns_d = f"{prefix}-c", f"{prefix}-d"
    env = dict(os.environ, IOP_STATE=os.path.join(a.workdir, "state"))
    topo = os.path.join(a.shared, "topology.sh")
    peer = os.path.join(a.shared, "strongswan-peer.sh")
    confdir = os.path.join(a.workdir, "gw-d")
    os.makedirs(confdir)
    with open(os.path.join(confdir, "swanctl.conf"), "w") as f:
        f.write(swanctl_conf(ike, esp, mode, lan_c, lan_d))
    events_path = os.path.join(a.workdir, "strata.jsonl")
    strata = None
    try:
        sh(["bash", topo, "up", prefix])
        sh(["bash", peer, "start", ns_d, confdir], env=env)
        cmd = ["ip", "netns", "exec", ns_c, a.strata, "ike", "--json", "--local", C_ADDR, "--remote", D_ADDR,
               "--role", role, "--psk", PSK, "--local-id", C_ID, "--remote-id", D_ID, "--ike-proposals", ike,
               "--esp-proposals", esp, "--local-ts", lan_c, "--remote-ts", lan_d, "--mode", mode, "--timeout", "60",
               "--keylog", os.path.join(a.workdir, "ikev2_decryption_table")]
        print("+", " ".join(cmd))
        out = open(events_path, "w")
        strata = subprocess.Popen(cmd, stdout=out, stderr=open(os.path.join(a.workdir, "strata.err"), "w"))
        time.sleep(0.3)
        if role == "responder":
            r = sh(["bash", peer, "swanctl", ns_d, "--initiate", "--child", "net", "--timeout", "15"], check=False,
                   env=env)
            print(r)

        def events():
            with open(events_path) as f:
                return [json.loads(l) for l in f if l.strip()]

        want = "child-sa-failed" if mode == "transport" else "child-sa-up"
        deadline = time.time() + 20
        while time.time() < deadline and not any(e["event"] == want for e in events()):
            if strata.poll() is not None:
                break
            time.sleep(0.1)
        evs = events()
        print("strata events:", json.dumps(evs, indent=1))
        up = [e for e in evs if e["event"] == "ike-sa-up"]
        if len(up) != 1:
            raise Fail("no ike-sa-up from strata")
        up = up[0]
        raw = sh(["bash", peer, "swanctl", ns_d, "--list-sas", "--raw"], env=env)
        print("swanctl --list-sas --raw:", raw)
        sas = parse_raw_sas(raw)
        if sas is None:
            raise Fail("strongSwan lists no IKE SA")
        si = sas["ike"]
        checks = [
            ("IKE state", si.get("state"), "ESTABLISHED"),
            ("IKE SPIi", si.get("initiator-spi"), up["spi_i"]),
            ("IKE SPIr", si.get("responder-spi"), up["spi_r"]),
            ("IKE encr", si.get("encr-alg"), ENCR.get(up["encr_id"])),
            ("IKE encr keysize", si.get("encr-keysize"), str(up["encr_keybits"])),
            ("IKE prf", si.get("prf-alg"), PRF.get(up["prf_id"])),
            ("IKE dh", si.get("dh-group"), DH.get(up["dh_id"])),
            ("IKE initiator", si.get("initiator"), "yes" if role == "responder" else None),
            ("strata initiator flag", up["initiator"], role == "initiator"),
            ("strata IKE port after NAT-T", up["local"], f"{C_ADDR}[4500]"),
            ("strata saw strongSwan's fake NAT", up["nat_remote"], True),
            ("strongSwan remote port", si.get("remote-port"), "4500"),
        ]
        if up["integ_id"]:
            checks.append(("IKE integ", si.get("integ-alg"), INTEG.get(up["integ_id"])))
        else:
            checks.append(("IKE integ (AEAD: none)", si.get("integ-alg"), None))
        if mode == "transport":
            failed = [e for e in evs if e["event"] == "child-sa-failed"]
            checks += [("strata child refused", len(failed), 1),
                       ("strata reason", failed[0]["reason"] if failed else None, "NO_PROPOSAL_CHOSEN"),
                       ("strongSwan child SAs", sas["child"], {})]
            log = open(os.path.join(a.workdir, "state", ns_d, "charon.log")).read()
            # strongSwan parsed our USE_TRANSPORT_MODE and tried a transport SA
            # (kernel-libipsec cannot install one: shared/interop/README.md).
            checks.append(("charon tried transport mode", "unsupported mode" in log, True))
        else:
            ch = [e for e in evs if e["event"] == "child-sa-up"]
            if len(ch) != 1:
                raise Fail("no child-sa-up from strata")
            ch = ch[0]
            sc = sas["child"]
            checks += [
                ("CHILD state", sc.get("state"), "INSTALLED"),
                ("CHILD mode", sc.get("mode"), "TUNNEL"),
                ("CHILD encap", sc.get("encap"), "yes"),
                ("strata encap", ch["encap"], True),
                ("CHILD spi-in (strongSwan) = strata out", sc.get("spi-in"), ch["spi_out"]),
                ("CHILD spi-out (strongSwan) = strata in", sc.get("spi-out"), ch["spi_in"]),
                ("CHILD encr", sc.get("encr-alg"), ENCR.get(ch["encr_id"])),
                ("CHILD encr keysize", sc.get("encr-keysize"), str(ch["encr_keybits"])),
                ("CHILD integ", sc.get("integ-alg"), INTEG.get(ch["integ_id"]) if ch["integ_id"] else None),
                ("strata local TS", sorted(ch["local_ts"]), sorted(LAN_C.split(","))),
                ("strata remote TS", sorted(ch["remote_ts"]), sorted(LAN_D.split(","))),
            ]
        # each check is (what, strongSwan's value or a fact, Strata's value or the expectation)
        bad = [f"{name}: {got!r} != {want_!r}" for name, got, want_ in checks if got != want_]
        for name, got, want_ in checks:
            print(f"  {'ok ' if got == want_ else 'BAD'} {name}: {got!r} == {want_!r}")
        if bad:
            raise Fail("mismatch:\n" + "\n".join(bad))

        if a.case in REKEY_BY_STRONGSWAN:
            rekey_by_strongswan(a.case, peer, ns_d, env, events, up, ch)

        # DELETE from one side; the other must see the IKE SA go.
        if deleter == "strata":
            strata.send_signal(signal.SIGTERM)
            strata.wait(timeout=10)
            deadline = time.time() + 10
            while time.time() < deadline:
                if parse_raw_sas(sh(["bash", peer, "swanctl", ns_d, "--list-sas", "--raw"], env=env)) is None:
                    break
                time.sleep(0.2)
            else:
                raise Fail("strongSwan still lists the IKE SA after Strata's DELETE")
            if not any(e["event"] == "ike-sa-down" for e in events()):
                raise Fail("strata reported no ike-sa-down")
            print("  ok  strongSwan removed the IKE SA after Strata's DELETE")
        else:
            print(sh(["bash", peer, "swanctl", ns_d, "--terminate", "--ike", "gw-gw", "--timeout", "10"], env=env))
            deadline = time.time() + 10
            while time.time() < deadline and not any(
                    e["event"] == "ike-sa-down" and e.get("reason") == "deleted by peer" for e in events()):
                time.sleep(0.1)
            if not any(e["event"] == "ike-sa-down" and e.get("reason") == "deleted by peer" for e in events()):
                raise Fail("strata did not report the peer's DELETE")
            if mode != "transport" and not any(e["event"] == "child-sa-down" for e in events()):
                raise Fail("strata did not report the CHILD SA down")
            print("  ok  Strata saw strongSwan's DELETE")
        print("PASS")
        return 0
    except Fail as e:
        print("FAIL:", e)
        log = os.path.join(a.workdir, "state", ns_d, "charon.log")
        if os.path.exists(log):
            print("---- charon.log ----")
            print(open(log).read()[-6000:])
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
