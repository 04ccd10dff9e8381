#!/usr/bin/env python3
"""End-to-end test of `strata ctl reload` / SIGHUP changing the IKE peers.

The case builds its own namespaces (A - C == D - B, ../shared/interop/
topology.sh) under a prefix of its own, runs a Strata gateway in C and one
in D, checks, stops the gateways with SIGTERM (each must exit 0) and tears
the namespaces down. Exit 0: pass.

Cases:
  reload_peers  C and D start with one IKEv2 PSK peer, `net4` (over IPv4,
                A's and B's IPv4 LANs; C initiates). Then, each step on D
                first and then on C:
                1. a peer `net6` is added (over IPv6 between 2001:db8:ff::1
                   and ::2, the IPv6 LANs; start_action = start on C) and
                   reloaded with `strata ctl reload`: its tunnel comes up and
                   A pings B over IPv6; net4's SPIs are unchanged.
                2. net6's PSK is changed on both and reloaded with SIGHUP:
                   net6 comes back with new SPIs (the old ones are gone on
                   both sides), ping over IPv6 works, net4's SPIs unchanged.
                3. a file with an unknown key is refused by `strata ctl reload`
                   with file:line, and both tunnels keep their SPIs and pass
                   pings.
                4. net6 is removed from C only and reloaded: C sends DELETE,
                   so D's net6 SAs go too; C's route to B's IPv6 LAN goes;
                   net4 is untouched and still passes pings.
  reload_first_peer
                C and D start without [peers], with manually keyed SAs for
                the IPv4 LANs only (examples/gateway/site-{c,d}-sas.toml
                less the IPv6 policies): A pings B over IPv4, nothing over
                IPv6, no IKE service (`counters` has no `ike`). Then:
                1. the IKEv2 peer `net6` (IPv6 LANs, start_action = start on
                   C) is added with `strata ctl reload`, on D and then on C:
                   the IKE service starts, the tunnel comes up, A pings B
                   over IPv6 and still over IPv4 (manual SAs keep their SPIs
                   and counters).
                2. net6 is removed from C only (SIGHUP): C sends DELETE, D's
                   net6 SAs go too, C keeps running with no IKE SA and the
                   manual SAs still carry A's pings over IPv4.
"""
import os
import re
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gateway_e2e as e2e  # noqa: E402  (namespaces, ping helpers)
import gateway_ike as gi  # noqa: E402  (env, waiting for SAs)

Fail = e2e.Fail
run = e2e.run
ADDR = gi.ADDR
ADDR6 = {"c": "2001:db8:ff::1", "d": "2001:db8:ff::2"}
LAN4 = {"c": "192.0.2.0/24", "d": "203.0.113.0/24"}
LAN6 = {"c": "2001:db8:1::/64", "d": "2001:db8:2::/64"}
PSK = gi.PSK


def peer(gw, name, v6, psk, start):
    other = "d" if gw == "c" else "c"
    addr, lan = (ADDR6, LAN6) if v6 else (ADDR, LAN4)
    return f"""
[peers.{name}]
address = "{addr[other]}"
proposals = ["aes256-sha256-ecp256"]
local_id = "{name}-{gw}.example.org"
remote_id = "{name}-{other}.example.org"
psk = "{psk}"

[peers.{name}.children.net]
local_ts = ["{lan[gw]}"]
remote_ts = ["{lan[other]}"]
esp_proposals = ["aes128gcm16-ecp256"]
start_action = "{start if gw == 'c' else 'none'}"
"""


def write(env, gw, net6=None, extra=""):
    """net6: None (no such peer) or its PSK."""
    text = f"""[gateway]
addresses = ["{ADDR[gw]}", "{ADDR6[gw]}"]
tun = "strata0"
control_socket = "{env.sock(gw)}"
log_level = "debug"
{extra}""" + peer(gw, "net4", False, PSK, "start")
    if net6 is not None:
        text += peer(gw, "net6", True, net6, "start")
    path = os.path.join(env.work, f"{gw}.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def child_spis(env, gw, name):
    return {s["spi"] for s in gi.child_sas(env, gw) if s["name"] == f"{name}/net"}


def wait_pair(env, name, not_spis=frozenset(), timeout=15):
    """Waits for a full CHILD SA pair of peer name on C and D, none of not_spis; returns C's and D's SPIs."""
    def ready():
        c, d = child_spis(env, "c", name), child_spis(env, "d", name)
        if len(c) == 2 and len(d) == 2 and c == d and not (c & not_spis):
            return (c, d)
        return None
    return gi.wait_for(f"{name} CHILD SAs on C and D", ready, timeout, 0.2)


def reload_ctl(env, gw):
    r = env.ctl(gw, "reload", check=False)
    if r.returncode != 0:
        raise Fail(f"{gw}: strata ctl reload refused:\n{r.stdout}{r.stderr}\n{env.log(gw)[-3000:]}")


def reload_hup(env, gw):
    before = env.ctl_json(gw, "status")["reloads"]
    env.gws[gw].send_signal(signal.SIGHUP)
    gi.wait_for(f"{gw} to reload on SIGHUP", lambda: env.ctl_json(gw, "status")["reloads"] > before, 5)


def pings(env, net4=True, net6=True):
    if net4:
        gi.ping_ok(env, "203.0.113.10", count=2)
    if net6:
        gi.ping_ok(env, "2001:db8:2::10", v6=True, count=2)


def case_reload_peers(env):
    for gw in ("c", "d"):
        write(env, gw)
    env.start("d")
    env.start("c")
    net4, _ = wait_pair(env, "net4")
    pings(env, net6=False)
    print(f"start: net4 up with SPIs {sorted(net4)}")

    # 1. A peer is added on both sides.
    for gw in ("d", "c"):
        write(env, gw, net6=PSK + "-six")
        reload_ctl(env, gw)
    net6, _ = wait_pair(env, "net6")
    pings(env)
    for gw in ("c", "d"):
        if child_spis(env, gw, "net4") != net4:
            raise Fail(f"{gw}: net4's SPIs changed when net6 was added: {child_spis(env, gw, 'net4')} vs {net4}")
    if "engine started (IKEv2, added)" not in env.log("c"):
        raise Fail("C did not log the added peer's engine")
    print(f"added net6: up with SPIs {sorted(net6)}, ping over IPv6 passes, net4 unchanged {sorted(net4)}")

    # 2. Its PSK changes on both sides (SIGHUP this time).
    for gw in ("d", "c"):
        write(env, gw, net6=PSK + "-new-six")
        reload_hup(env, gw)
    net6b, _ = wait_pair(env, "net6", not_spis=frozenset(net6))
    pings(env)
    for gw in ("c", "d"):
        if child_spis(env, gw, "net4") != net4:
            raise Fail(f"{gw}: net4's SPIs changed with net6's PSK: {child_spis(env, gw, 'net4')} vs {net4}")
        leftover = {s["spi"] for s in gi.child_sas(env, gw)} & net6
        if leftover:
            raise Fail(f"{gw}: net6's old SPIs {sorted(leftover)} still installed")
    if "peers: changed net6; unchanged net4" not in env.log("c"):
        raise Fail("C's reload log does not say net6 changed and net4 did not")
    print(f"changed net6's PSK: new SPIs {sorted(net6b)} (old {sorted(net6)} gone on both), net4 unchanged")

    # 3. A bad file is refused and nothing changes.
    path = write(env, "c", net6=PSK + "-new-six", extra="bogus_key = 1\n")
    r = env.ctl("c", "reload", check=False)
    if r.returncode == 0 or f"{path}:6" not in r.stderr:
        raise Fail(f"a file with an unknown key was not refused with {path}:6:\n{r.stdout}{r.stderr}")
    print("bad file refused: " + r.stderr.strip().splitlines()[0][:160])
    write(env, "c", net6=PSK + "-new-six")  # the good file back, not reloaded
    pings(env)
    for name, want in (("net4", net4), ("net6", net6b)):
        for gw in ("c", "d"):
            if child_spis(env, gw, name) != want:
                raise Fail(f"{gw}: {name}'s SPIs changed after a refused reload")
    print("after the refused reload: both tunnels kept their SPIs and pass pings")

    # 4. net6 is removed on C only: C's DELETE takes D's SAs down too.
    write(env, "c")
    reload_ctl(env, "c")
    gi.wait_for("net6's SAs gone on C and D",
                lambda: not child_spis(env, "c", "net6") and not child_spis(env, "d", "net6"), 5)
    routes = env.ctl_json("c", "status")["routes"]
    if LAN6["d"] in routes:
        raise Fail(f"C still routes {LAN6['d']} into the TUN device: {routes}")
    if any(s["name"] == "net6" for s in gi.ike_sas(env, "d")):
        raise Fail(f"D kept net6's IKE SA after C's DELETE: {gi.ike_sas(env, 'd')}")
    pings(env, net6=False)
    for gw in ("c", "d"):
        if child_spis(env, gw, "net4") != net4:
            raise Fail(f"{gw}: net4's SPIs changed when net6 was removed")
    print(f"removed net6 on C: DELETE took D's net6 SAs down, route {LAN6['d']} gone, net4 unchanged and passing")


def write_manual_v4(env, gw, net6=None):
    """gw's configuration with the example manual SAs for the IPv4 LANs
    only (their IPv6 policies left out: IKE's net6 takes those LANs) and,
    if net6 is a PSK, the IKE peer net6."""
    sas = open(os.path.join(e2e.EXAMPLES, f"site-{gw}-sas.toml")).read()
    blocks = sas.split("\n[[")
    kept = [blocks[0]] + [b for b in blocks[1:] if not re.search(r'^name = "[^"]*-v6"$', b, re.M)]
    sas_path = os.path.join(env.work, f"{gw}-sas.toml")
    with open(sas_path, "w") as f:
        f.write("\n[[".join(kept))
    text = f"""[gateway]
addresses = ["{ADDR[gw]}", "{ADDR6[gw]}"]
tun = "strata0"
control_socket = "{env.sock(gw)}"
log_level = "debug"
manual = "{sas_path}"
"""
    if net6 is not None:
        text += peer(gw, "net6", True, net6, "start")
    with open(os.path.join(env.work, f"{gw}.toml"), "w") as f:
        f.write(text)


def manual_spis(env, gw):
    return {(s["spi"], s["direction"]) for s in env.ctl_json(gw, "list-sas") if s.get("keying") == "manual"}


def case_reload_first_peer(env):
    for gw in ("c", "d"):
        write_manual_v4(env, gw)
    env.start("d")
    env.start("c")
    pings(env, net6=False)
    r = e2e.ns_run(env.ns("a"), ["ping", "-6", "-c", "1", "-W", "1", "2001:db8:2::10"], check=False)
    if r.returncode == 0:
        raise Fail(f"A reached B over IPv6 before any IKE peer existed:\n{r.stdout}")
    manual = {gw: manual_spis(env, gw) for gw in ("c", "d")}
    for gw in ("c", "d"):
        if len(manual[gw]) != 2 or env.ctl_json(gw, "counters")["ike"] is not None:
            raise Fail(f"{gw}: want 2 manual SAs and no IKE service at start: {manual[gw]}")
    packets0 = {s["spi"]: s["packets"] for s in env.ctl_json("c", "list-sas") if s.get("keying") == "manual"}
    print(f"start: manual SAs only {sorted(manual['c'])}, IPv4 passes, IPv6 does not, no IKE")

    # 1. The first IKE peer, added by `strata ctl reload` (D first).
    for gw in ("d", "c"):
        write_manual_v4(env, gw, net6=PSK + "-first")
        reload_ctl(env, gw)
    net6, _ = wait_pair(env, "net6")
    pings(env)
    for gw in ("c", "d"):
        if manual_spis(env, gw) != manual[gw]:
            raise Fail(f"{gw}: the manual SAs changed when the first peer was added: {manual_spis(env, gw)}")
        if "IKE: started by a reload" not in env.log(gw):
            raise Fail(f"{gw} did not log the IKE service started by the reload")
        ike = env.ctl_json(gw, "counters")["ike"]
        if ike is None or ike["children_up"] < 1:
            raise Fail(f"{gw}: IKE counters after the reload: {ike}")
    grew = [spi for spi, n in packets0.items()
            if any(s.get("spi") == spi and s.get("packets", 0) > n for s in env.ctl_json("c", "list-sas"))]
    if len(grew) != 2:
        raise Fail(f"C's manual SAs did not keep counting across the reload: {packets0}")
    reqids = {p["reqid"] for p in env.ctl_json("c", "list-policies") if p["name"].startswith("net6/")}
    if not reqids or min(reqids) < 65536:
        raise Fail(f"net6's policies have reqids {reqids}, want them above the manual SAs' (65536 and up)")
    print(f"added the first peer net6: IKE started, SPIs {sorted(net6)}, reqids {sorted(reqids)}, IPv6 and "
          f"IPv4 (manual SAs unchanged, still counting) pass")

    # 2. The last IKE peer removed on C only (SIGHUP): DELETE, manual SAs go on.
    write_manual_v4(env, "c")
    reload_hup(env, "c")
    gi.wait_for("net6's SAs gone on C and D",
                lambda: not child_spis(env, "c", "net6") and not child_spis(env, "d", "net6"), 5)
    if gi.ike_sas(env, "c") or gi.ike_sas(env, "d"):
        raise Fail(f"IKE SAs left after C removed its last peer: C {gi.ike_sas(env, 'c')} D {gi.ike_sas(env, 'd')}")
    env.alive("c")
    pings(env, net6=False)
    if manual_spis(env, "c") != manual["c"]:
        raise Fail(f"C: manual SAs changed when the last peer went: {manual_spis(env, 'c')}")
    if LAN6["d"] in env.ctl_json("c", "status")["routes"]:
        raise Fail(f"C still routes {LAN6['d']} into the TUN device")
    print("removed the last peer on C: DELETE took D's SAs down, C runs on with its manual SAs (IPv4 passes)")


def main():
    return gi.run_cases({"reload_peers": case_reload_peers, "reload_first_peer": case_reload_first_peer},
                        prefix="gr", log_tail=8000)


if __name__ == "__main__":
    sys.exit(main())
