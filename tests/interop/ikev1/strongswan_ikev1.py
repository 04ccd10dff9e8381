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
LAN_C = "192.0.2.0/24"
LAN_D = "203.0.113.0/24"

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

ENCR = {12: "AES_CBC", 3: "3DES_CBC"}
INTEG = {12: "HMAC_SHA2_256_128", 13: "HMAC_SHA2_384_192", 14: "HMAC_SHA2_512_256", 2: "HMAC_SHA1_96"}
PRF = {5: "PRF_HMAC_SHA2_256", 6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512", 2: "PRF_HMAC_SHA1"}
DH = {2: "MODP_1024", 14: "MODP_2048", 15: "MODP_3072", 19: "ECP_256", 20: "ECP_384"}


class Fail(Exception):
    pass


def sh(args, check=True, **kw):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if check and r.returncode != 0:
        raise Fail(f"{' '.join(args)} -> {r.returncode}\n{r.stdout}")
    return r.stdout


def swanctl_conf(ike, esp, dpd):
    dpd_line = f"dpd_delay = {dpd}" if dpd else ""
    return f"""connections {{
    gw-gw-v1 {{
        version = 1
        aggressive = no
        local_addrs = {D_ADDR}
        remote_addrs = {C_ADDR}
        encap = yes
        proposals = {ike}
        {dpd_line}
        local {{
            auth = psk
        }}
        remote {{
            auth = psk
        }}
        children {{
            net {{
                mode = tunnel
                local_ts = {LAN_D}
                remote_ts = {LAN_C}
                esp_proposals = {esp}
                start_action = none
                dpd_action = clear
            }}
        }}
    }}
}}
secrets {{
    ike-gw {{
        id-c = {C_ADDR}
        id-d = {D_ADDR}
        secret = "{PSK}"
    }}
}}
"""


def parse_raw_sas(text):
    """swanctl --list-sas --raw: {ike: {...}, children: [{...}, ...]} of the first SA, or None."""
    m = re.search(r"gw-gw-v1 \{(.*)\}", text, re.S)
    if not m:
        return None
    body = m.group(1)
    ike_part, _, child_part = body.partition("child-sas {")
    kv = lambda s: dict(re.findall(r"([a-z0-9-]+)=([^\s\[\]{}]+)", s))
    children = [kv(c) for c in re.split(r"net-\d+ \{", child_part)[1:]] if child_part else []
    return {"ike": kv(ike_part), "children": children}


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
    role, ike, esp, action = CASES[a.case]
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    prefix = f"i1{os.getpid() % 100000}"
    ns_c, ns_d = f"{prefix}-c", f"{prefix}-d"
    env = dict(os.environ, IOP_STATE=os.path.join(a.workdir, "state"), CHARON_LOGLEVEL="2")
    topo = os.path.join(a.shared, "topology.sh")
    peer = os.path.join(a.shared, "strongswan-peer.sh")
    confdir = os.path.join(a.workdir, "gw-d")
    os.makedirs(confdir)
    with open(os.path.join(confdir, "swanctl.conf"), "w") as f:
        # One side probes per case: a probe counts as traffic for the other side
        # (RFC 3706 §5.5), so equal delays let one side silence the other.
        f.write(swanctl_conf(ike, esp, {"dpd": "30s", "dpd_answered": "2s"}.get(action)))
    events_path = os.path.join(a.workdir, "strata.jsonl")
    strata = None

    def events():
        with open(events_path) as f:
            return [json.loads(l) for l in f if l.strip()]

    def wait_for(pred, secs):
        deadline = time.time() + secs
        while time.time() < deadline:
            if pred(events()):
                return True
            if strata.poll() is not None:
                return pred(events())
            time.sleep(0.1)
        return False

    def list_sas():
        return parse_raw_sas(sh(["bash", peer, "swanctl", ns_d, "--list-sas", "--raw"], env=env))

    def stop_strata():
        strata.send_signal(signal.SIGTERM)
        strata.wait(timeout=10)

    try:
        sh(["bash", topo, "up", prefix])
        sh(["bash", peer, "start", ns_d, confdir], env=env)
        cmd = ["ip", "netns", "exec", ns_c, a.strata, "ike", "--ike", "1", "--json", "--local", C_ADDR,
               "--remote", D_ADDR, "--role", role, "--psk", PSK, "--ike-proposals", ike, "--esp-proposals", esp,
               "--local-ts", LAN_C, "--remote-ts", LAN_D, "--timeout", "40",
               "--keylog", os.path.join(a.workdir, "ikev1_decryption_table")]
        if action in ("dpd", "dpd_answered"):
            cmd += ["--dpd", "2" if action == "dpd" else "30"]
        print("+", " ".join(cmd))
        strata = subprocess.Popen(cmd, stdout=open(events_path, "w"),
                                  stderr=open(os.path.join(a.workdir, "strata.err"), "w"))
        time.sleep(0.3)
        if role == "responder":
            print(sh(["bash", peer, "swanctl", ns_d, "--initiate", "--child", "net", "--timeout", "15"],
                     check=False, env=env))
        if not wait_for(lambda evs: any(e["event"] == "child-sa-up" for e in evs), 15):
            raise Fail("no child-sa-up from strata")
        time.sleep(0.3)  # strongSwan as responder installs after QM3
        evs = events()
        print("strata events:", json.dumps(evs, indent=1))
        up = [e for e in evs if e["event"] == "ike-sa-up"]
        if len(up) != 1:
            raise Fail("not exactly one ike-sa-up from strata")
        up = up[0]
        ch = [e for e in evs if e["event"] == "child-sa-up"][0]
        raw = sh(["bash", peer, "swanctl", ns_d, "--list-sas", "--raw"], env=env)
        print("swanctl --list-sas --raw:", raw)
        sas = parse_raw_sas(raw)
        if sas is None:
            raise Fail("strongSwan lists no IKE SA")
        si = sas["ike"]
        sc = sas["children"][0] if sas["children"] else {}
        checks = [
            ("IKE version", si.get("version"), "1"),
            ("IKE state", si.get("state"), "ESTABLISHED"),
            ("IKE cookie i", si.get("initiator-spi"), up["spi_i"]),
            ("IKE cookie r", si.get("responder-spi"), up["spi_r"]),
            ("IKE encr", si.get("encr-alg"), ENCR.get(up["encr_id"])),
            ("IKE encr keysize", si.get("encr-keysize"), str(up["encr_keybits"]) if up["encr_id"] == 12 else None),
            ("IKE integ", si.get("integ-alg"), INTEG.get(up["integ_id"])),
            ("IKE prf", si.get("prf-alg"), PRF.get(up["prf_id"])),
            ("IKE dh", si.get("dh-group"), DH.get(up["dh_id"])),
            ("IKE initiator", si.get("initiator"), "yes" if role == "responder" else None),
            ("strata initiator flag", up["initiator"], role == "initiator"),
            ("strata IKE port after NAT-T", up["local"], f"{C_ADDR}[4500]"),
            ("strata saw strongSwan's fake NAT", up["nat_remote"], True),
            ("strongSwan remote port", si.get("remote-port"), "4500"),
            ("CHILD state", sc.get("state"), "INSTALLED"),
            ("CHILD mode", sc.get("mode"), "TUNNEL"),
            ("CHILD encap", sc.get("encap"), "yes"),
            ("strata encap", ch["encap"], True),
            ("CHILD spi-in (strongSwan) = strata out", sc.get("spi-in"), ch["spi_out"]),
            ("CHILD spi-out (strongSwan) = strata in", sc.get("spi-out"), ch["spi_in"]),
            ("CHILD encr", sc.get("encr-alg"), ENCR.get(ch["encr_id"])),
            ("CHILD encr keysize", sc.get("encr-keysize"),
             str(ch["encr_keybits"]) if ch["encr_id"] == 12 else None),
            ("CHILD integ", sc.get("integ-alg"), INTEG.get(ch["integ_id"])),
            ("CHILD PFS group", sc.get("dh-group"), DH.get(ch["dh_id"])),
            ("strata PFS as configured", ch["dh"] != "", esp.count("-") == 2),
            ("strata local TS", ch["local_ts"], [LAN_C]),
            ("strata remote TS", ch["remote_ts"], [LAN_D]),
        ]
        bad = [f"{name}: {got!r} != {want!r}" for name, got, want in checks if got != want]
        for name, got, want in checks:
            print(f"  {'ok ' if got == want else 'BAD'} {name}: {got!r} == {want!r}")
        if bad:
            raise Fail("mismatch:\n" + "\n".join(bad))

        if action == "delete_strata":
            stop_strata()
            deadline = time.time() + 10
            while time.time() < deadline and list_sas() is not None:
                time.sleep(0.2)
            if list_sas() is not None:
                raise Fail("strongSwan still lists the IKE SA after Strata's DELETEs")
            evs = events()
            if not any(e["event"] == "ike-sa-down" for e in evs) or not any(
                    e["event"] == "child-sa-down" for e in evs):
                raise Fail("strata reported no ike-sa-down / child-sa-down")
            log = open(os.path.join(a.workdir, "state", ns_d, "charon.log")).read()
            if "received DELETE for ESP CHILD_SA" not in log and "received DELETE for IKE_SA" not in log:
                raise Fail("charon did not log Strata's DELETE")
            print("  ok  strongSwan removed the SAs after Strata's DELETEs")
        elif action == "delete_swan":
            print(sh(["bash", peer, "swanctl", ns_d, "--terminate", "--ike", "gw-gw-v1", "--timeout", "10"],
                     env=env))
            pred = lambda evs: any(e["event"] == "ike-sa-down" and e.get("reason") == "deleted by peer" for e in evs)
            if not wait_for(pred, 10):
                raise Fail("strata did not report the peer's ISAKMP DELETE")
            if not any(e["event"] == "child-sa-down" for e in events()):
                raise Fail("strata did not report the IPsec SA down")
            print("  ok  Strata saw strongSwan's DELETEs")
            stop_strata()
        elif action == "rekey_swan":
            old_in = ch["spi_in"]
            print(sh(["bash", peer, "swanctl", ns_d, "--rekey", "--child", "net"], env=env))
            pred = lambda evs: len([e for e in evs if e["event"] == "child-sa-up"]) >= 2
            if not wait_for(pred, 10):
                raise Fail("strata reported no second child-sa-up after strongSwan's rekey")
            new = [e for e in events() if e["event"] == "child-sa-up"][-1]
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
            stop_strata()
        elif action in ("dpd", "dpd_answered"):
            time.sleep(6)  # idle: the probing side (2 s) sends two or three R-U-THERE
            stop_strata()
            stats = [e for e in events() if e["event"] == "stats"]
            if not stats:
                raise Fail("strata printed no stats")
            st = stats[-1]
            print("strata stats:", st)
            log = open(os.path.join(a.workdir, "state", ns_d, "charon.log")).read()
            got_ack = len(re.findall(r"received DPD Acknowledgment|DPD_R_U_THERE_ACK", log))
            print("charon R-U-THERE-ACK lines:", got_ack)
            if action == "dpd" and (st["dpd_sent"] < 1 or st["dpd_acked"] < 1):
                raise Fail("strongSwan did not acknowledge Strata's R-U-THERE")
            if action == "dpd_answered" and st["dpd_answered"] < 1:
                raise Fail("Strata answered no R-U-THERE from strongSwan")
            print(f"  ok  DPD: Strata sent {st['dpd_sent']}, strongSwan acked {st['dpd_acked']}, "
                  f"Strata answered {st['dpd_answered']}")
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
