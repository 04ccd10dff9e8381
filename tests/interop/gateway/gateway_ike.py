#!/usr/bin/env python3
"""End-to-end tests of `strata gateway` with IKE peers.

Each case builds its own namespaces (A - C == D - B, ../shared/interop/
topology.sh) under a prefix of its own, runs a Strata gateway in C and one
in D (or strongSwan in D, ../shared/interop/strongswan-peer.sh), lets IKE
build the tunnel, checks what the case is about, stops the gateways with
SIGTERM (each must exit 0) and tears the namespaces down. Exit 0: pass.

Cases:
  ikev2_psk                 IKEv2 PSK, C initiates at start: ping v4+v6, TCP
                            4 MiB A->B, the internet link carries only ESP and IKE
  ikev1_psk                 the same with version = 1 (IKEv1 main + quick mode)
  ikev2_trap                start_action = trap: A's first packets start IKE
  ike_garbage               garbage on 500 and 4500 is counted, the tunnel stays
  kill9_restart_dpd         IKEv1 with DPD: kill -9 C, restart it, the tunnel
                            comes back and D's DPD removes the dead SAs
  sigterm_deletes           SIGTERM on C sends DELETE: D's SAs go at once
  strongswan_ikev2_strata_initiates / strongswan_ikev2_strongswan_initiates
                            Strata C and strongSwan D, IKEv2 PSK, each side
                            initiating: ping A->B over IPv4 and IPv6
  strongswan_ikev1_strata_initiates / strongswan_ikev1_strongswan_initiates
                            the same with IKEv1 (IPv4: the shared conf is v4 only)
  strongswan_rekey_by_strongswan
                            swanctl --rekey --child during a ping loop (IKEv1)
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gateway_e2e as e2e  # noqa: E402  (namespaces, ping, TCP, capture helpers)

Fail = e2e.Fail
run = e2e.run
ns_run = e2e.ns_run
PSK = "interop-test-psk-0123456789"
ADDR = {"c": "198.51.100.1", "d": "198.51.100.2"}
LAN = {"c": ('"192.0.2.0/24", "2001:db8:1::/64"'), "d": ('"203.0.113.0/24", "2001:db8:2::/64"')}


class Args:
    pass


def make_env(args):
    a = Args()
    a.strata, a.shared, a.workdir = args.strata, args.shared, args.workdir
    a.case = "ike-" + args.case
    env = e2e.Env(a)
    env.prefix = "gi%05d" % (zlib.crc32(args.case.encode()) % 100000)
    return env


def write_config(env, gw, version=2, start="none", dpd="30s", extra_child="", v6=True, encap="udp"):
    other = "d" if gw == "c" else "c"
    v6 = v6 and version == 2  # IKEv1 quick mode carries one subnet pair (plan_peers refuses more)
    local = LAN[gw] if v6 else LAN[gw].split(",")[0]
    remote = LAN[other] if v6 else LAN[other].split(",")[0]
    if version == 1:
        ike, esp = "aes256-sha256-modp2048", "aes128-sha256-modp2048"
        ids = ""
    else:
        ike, esp = "aes256-sha256-ecp256", "aes128gcm16-ecp256"
        ids = f'local_id = "gw-{gw}.example.org"\nremote_id = "gw-{other}.example.org"\n'
    text = f"""[gateway]
addresses = ["{ADDR[gw]}"]
tun = "strata0"
encapsulation = "{encap}"
control_socket = "{env.sock(gw)}"
log_level = "debug"

[peers.gw-{other}]
address = "{ADDR[other]}"
version = {version}
proposals = ["{ike}"]
{ids}auth = "psk"
psk = "{PSK}"
dpd_delay = "{dpd}"

[peers.gw-{other}.children.net]
local_ts = [{local}]
remote_ts = [{remote}]
esp_proposals = ["{esp}"]
start_action = "{start}"
{extra_child}
"""
    with open(os.path.join(env.work, f"{gw}.toml"), "w") as f:
        f.write(text)


def child_sas(env, gw):
    return [s for s in env.ctl_json(gw, "list-sas") if s.get("keying") == "ike" and s.get("direction") in ("in", "out")]


def ike_sas(env, gw):
    return [s for s in env.ctl_json(gw, "list-sas") if s.get("direction") == "ike"]


def wait_for(what, fn, timeout=15.0, step=0.1):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = fn()
        if last:
            return last
        time.sleep(step)
    raise Fail(f"timed out waiting for {what} (last: {last})")


def wait_tunnel(env, gws=("c", "d"), timeout=15.0):
    for gw in gws:
        wait_for(f"CHILD SAs on {gw}", lambda gw=gw: len(child_sas(env, gw)) >= 2, timeout)


def ping_ok(env, dst, v6=False, count=3):
    got = e2e.ping(env, dst, v6=v6, count=count)
    if got != count:
        raise Fail(f"ping {dst}: {got}/{count} received")


def check_capture_only_esp_ike(env, v6=True):
    def traffic():
        ping_ok(env, "203.0.113.10")
        if v6:
            ping_ok(env, "2001:db8:2::10", v6=True)
        e2e.tcp_transfer(env, 4 * 1024 * 1024)
    pcap = e2e.capture(env, traffic)
    other = e2e.tshark_count(pcap, "not esp and not isakmp and not (udp.port == 4500) and not arp and "
                             "not (icmpv6.type >= 133 and icmpv6.type <= 136) and not icmpv6.type == 143")
    total = e2e.tshark_count(pcap, "frame")
    esp = e2e.tshark_count(pcap, "esp")
    if other:
        raise Fail(f"{other} frame(s) on the internet link are neither ESP nor IKE ({pcap})")
    if esp < 1000:
        raise Fail(f"only {esp} ESP frames of {total} after 4 MiB ({pcap})")
    print(f"capture: {total} frames, {esp} ESP, nothing else but IKE/ARP/ND")


def strongswan(env, cmd, *args, check=True):
    return run(["bash", os.path.join(env.shared, "interop", "strongswan-peer.sh"), cmd] + list(args),
               check=check, timeout=60)


def swan_confdir(env, version, start):
    src = "ikev2-psk-tunnel" if version == 2 else "ikev1-psk-tunnel"
    d = os.path.join(env.work, "swan-d")
    os.makedirs(d, exist_ok=True)
    text = open(os.path.join(env.shared, "interop", "conf", src, "gw-d", "swanctl.conf")).read()
    text = text.replace("start_action = none", f"start_action = {start}")
    with open(os.path.join(d, "swanctl.conf"), "w") as f:
        f.write(text)
    return d


def case_strongswan(env, version, strata_initiates, rekey=False):
    conn = "gw-gw" if version == 2 else "gw-gw-v1"
    write_config(env, "c", version=version, start="start" if strata_initiates else "none", v6=(version == 2))
    confdir = swan_confdir(env, version, "none")
    strongswan(env, "start", env.ns("d"), confdir)
    env.swan = True
    env.start("c")
    if not strata_initiates:
        strongswan(env, "swanctl", env.ns("d"), "--initiate", "--child", "net", "--timeout", "10")
    wait_tunnel(env, gws=("c",))
    # IKEv1 responder race (README gotcha 5): the first packet may be early.
    e2e.ping(env, "203.0.113.10", count=2)
    ping_ok(env, "203.0.113.10", count=3)
    if version == 2:
        ping_ok(env, "2001:db8:2::10", v6=True, count=3)
    sas = strongswan(env, "swanctl", env.ns("d"), "--list-sas").stdout
    if "INSTALLED" not in sas:
        raise Fail(f"strongSwan lists no installed CHILD SA:\n{sas}")
    if rekey:
        stop = threading.Event()
        result = {}

        def loop():
            r = ns_run(env.ns("a"), ["ping", "-c", "40", "-i", "0.1", "-W", "1", "203.0.113.10"], check=False,
                       timeout=60)
            result["out"] = r.stdout
        t = threading.Thread(target=loop)
        t.start()
        time.sleep(1.0)
        before = {s["spi"] for s in child_sas(env, "c")}
        strongswan(env, "swanctl", env.ns("d"), "--rekey", "--child", "net")
        t.join()
        out = result.get("out", "")
        import re
        m = re.search(r"(\d+) received", out)
        got = int(m.group(1)) if m else 0
        after = {s["spi"] for s in child_sas(env, "c")}
        if not (after - before):
            raise Fail(f"no new SA on C after the rekey: before {before}, after {after}\n{env.log('c')}")
        if got < 38:
            raise Fail(f"ping during the rekey: {got}/40 received\n{out}")
        print(f"rekey by strongSwan: {got}/40 pings, SAs {sorted(before)} -> {sorted(after)}")
        ping_ok(env, "203.0.113.10", count=3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    env = make_env(args)
    env.swan = False
    case = args.case
    env.topology("up")
    problems = []
    try:
        if case in ("ikev2_psk", "ikev1_psk"):
            v = 2 if case == "ikev2_psk" else 1
            write_config(env, "c", version=v, start="start")
            write_config(env, "d", version=v)
            env.start("d")
            env.start("c")
            wait_tunnel(env)
            e2e.ping(env, "203.0.113.10", count=2)
            check_capture_only_esp_ike(env, v6=(v == 2))
            st = env.ctl_json("c", "status")
            if st["ike_sas"] != 1:
                raise Fail(f"C status: {st}")
            ike = ike_sas(env, "c")[0]
            print(f"C: IKE SA {ike['spi']} {ike['encryption']}, children {[c['name'] for c in ike['children']]}")
            text = env.ctl("c", "list-sas").stdout
            if "IKE" not in text or "gw-d/net" not in text:
                raise Fail(f"text list-sas lacks the IKE SA or the child:\n{text}")
        elif case == "ikev2_trap":
            write_config(env, "c", start="trap")
            write_config(env, "d")
            env.start("d")
            env.start("c")
            time.sleep(0.5)
            if child_sas(env, "c"):
                raise Fail("trap: SAs exist before any traffic")
            e2e.ping(env, "203.0.113.10", count=3)  # the first ones start IKE
            wait_tunnel(env)
            ping_ok(env, "203.0.113.10", count=3)
            cnt = env.ctl_json("c", "counters")
            if cnt["ike"]["acquires"] < 1 or cnt["ipsec_drops"]["NoSa"] < 1:
                raise Fail(f"trap: acquire/NoSa not counted: {cnt['ike']} {cnt['ipsec_drops']['NoSa']}")
            print(f"trap: {cnt['ike']['acquires']} acquire(s), {cnt['ipsec_drops']['NoSa']} packet(s) dropped "
                  "as NoSa while IKE ran")
        elif case == "ike_garbage":
            write_config(env, "c", start="start")
            write_config(env, "d")
            env.start("d")
            env.start("c")
            wait_tunnel(env)
            ping_ok(env, "203.0.113.10", count=2)
            before = env.ctl_json("d", "counters")["ike"]
            payloads = [os.urandom(n) for n in (1, 7, 27, 28, 29, 100, 600)]
            # a header that claims IKEv2 IKE_SA_INIT with a silly length
            payloads.append(os.urandom(16) + bytes([33, 0x20, 34, 0x08]) + b"\0\0\0\0" + b"\xff\xff\xff\xff")
            e2e.send_udp(env.ns("c"), "198.51.100.2", 500, payloads)
            e2e.send_udp(env.ns("c"), "198.51.100.2", 4500, [b"\0\0\0\0" + p for p in payloads])
            # from an address no peer has (B's LAN is not routed there: use C's other side)
            def counted():
                c = env.ctl_json("d", "counters")["ike"]
                p = c["peers"]["gw-c"]
                b = before["peers"]["gw-c"]
                return c["datagrams_in"] - before["datagrams_in"] >= 2 * len(payloads) and \
                    p["malformed"] + p["unknown_spi"] > b["malformed"] + b["unknown_spi"]
            wait_for("garbage counted", counted, 5)
            env.alive("d")
            after = env.ctl_json("d", "counters")["ike"]
            print(f"garbage: {after['datagrams_in'] - before['datagrams_in']} datagrams in, counters "
                  f"{after['peers']['gw-c']}")
            ping_ok(env, "203.0.113.10", count=3)
            if len(ike_sas(env, "d")) != 1:
                raise Fail("garbage changed the IKE SAs")
        elif case == "sigterm_deletes":
            write_config(env, "c", start="start")
            write_config(env, "d")
            env.start("d")
            env.start("c")
            wait_tunnel(env)
            p = env.gws.pop("c")
            p.send_signal(signal.SIGTERM)
            p.wait(10)
            if p.returncode != 0:
                raise Fail(f"C exited {p.returncode}")
            wait_for("D's SAs deleted", lambda: not child_sas(env, "d") and not ike_sas(env, "d"), 5)
            print("SIGTERM on C: D removed its IKE and CHILD SAs on C's DELETE")
        elif case == "kill9_restart_dpd":
            write_config(env, "c", version=1, start="start", dpd="2s")
            write_config(env, "d", version=1, dpd="2s")
            env.start("d")
            env.start("c")
            wait_tunnel(env)
            e2e.ping(env, "203.0.113.10", count=2)
            ping_ok(env, "203.0.113.10", count=2)
            old = {s["spi"] for s in child_sas(env, "d")}
            p = env.gws.pop("c")
            p.kill()
            p.wait()
            t0 = time.time()
            # C is dead: D's R-U-THERE go unanswered (RFC 3706) and D drops
            # the ISAKMP SA and its IPsec SAs.
            wait_for("D's DPD to remove the dead SAs", lambda: not child_sas(env, "d") and not ike_sas(env, "d"),
                     40, 0.5)
            dpd = time.time() - t0
            cnt = env.ctl_json("d", "counters")["ipsec_drops"]
            # the TUN device of the killed process went with it; start again
            env.start("c")
            wait_tunnel(env)
            e2e.ping(env, "203.0.113.10", count=2)
            ping_ok(env, "203.0.113.10", count=3)
            new = {s["spi"] for s in child_sas(env, "d")}
            if old & new:
                raise Fail(f"D still has the old SAs {old & new}")
            print(f"kill -9: D's DPD removed {sorted(old)} after {dpd:.1f} s; C restarted, tunnel back with "
                  f"{sorted(new)}")
        elif case.startswith("strongswan_"):
            # rekey_by_strongswan runs over IKEv1: the IKEv2 engine has no
            # CREATE_CHILD_SA yet (it answers NO_ADDITIONAL_SAS).
            version = 2 if "ikev2" in case else 1
            case_strongswan(env, version, strata_initiates=case.endswith("strata_initiates"),
                            rekey=case.endswith("rekey_by_strongswan"))
        else:
            raise Fail(f"unknown case {case}")
        for gw in list(env.gws):
            env.alive(gw)
    except Fail as e:
        problems.append(str(e))
    except subprocess.TimeoutExpired as e:
        problems.append(f"timeout: {e}")
    finally:
        if env.swan:
            if problems:
                path = strongswan(env, "log", env.ns("d"), check=False).stdout.strip()
                try:
                    problems.append("strongSwan log:\n" + open(path).read()[-4000:])
                except OSError:
                    pass
            strongswan(env, "stop", env.ns("d"), check=False)
        problems.extend(env.stop_all())
        env.topology("down")
    if problems:
        for gw in ("c", "d"):
            print(f"--- {gw} log ---\n{env.log(gw)[-6000:]}")
        print("FAIL:\n" + "\n".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
