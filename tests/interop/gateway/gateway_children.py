#!/usr/bin/env python3
"""End-to-end tests of `strata gateway`: IKEv2 IKE SA rekeys by the gateway
itself, and several children per peer.

Each case builds its own namespaces (A - C == D - B, ../shared/interop/
topology.sh), runs a Strata gateway in C and a Strata gateway (or strongSwan,
../shared/interop/strongswan-peer.sh) in D, checks what the case is about,
stops the gateways with SIGTERM (each must exit 0) and tears the namespaces
down. Exit 0: pass.

Cases:
  ikev2_ike_rekey        C's peer has rekey_time = "10s": a ping A->B every
                         0.1 s while D rekeys the IKE SA by `strata ctl rekey
                         gw-c --ike` and C then by its own rekey_time (RFC
                         7296 §2.18); no ping lost, both list the same new IKE
                         SPIs (JSON and text), the CHILD SAs keep their SPIs
  ikev2_two_children     children net4 (IPv4) and net6 (IPv6) under one IKE
                         SA between two Strata gateways: ping and ping -6
                         A->B go through, each side lists 1 IKE SA with 2
                         children and 4 CHILD SAs (in and out of each)
  strongswan_ikev2_two_children_strata_initiates /
  strongswan_ikev2_two_children_strongswan_initiates
                         the same with strongSwan in D, whose swanctl.conf
                         has children net4 and net6; each side initiating
  ikev1_two_children     version = 1: net4 and net6 are two quick modes under
                         one ISAKMP SA (RFC 2409 §5.5) between two Strata
                         gateways: ping and ping -6 A->B go through, each side
                         lists 1 ISAKMP SA with 2 children and 4 SAs; D then
                         rekeys net6 by `strata ctl rekey net6`: new
                         SPIs for net6 only, the same selectors, ping -6 again
  strongswan_ikev1_two_children_strata_initiates /
  strongswan_ikev1_two_children_strongswan_initiates
                         the same against strongSwan (IKEv1, children net4
                         and net6), each side initiating; then
                         `swanctl --rekey --child net6`: C's net6 gets new
                         SPIs under the same selectors, net4 keeps its own
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gateway_e2e as e2e  # noqa: E402
import gateway_ike as gi  # noqa: E402

Fail = e2e.Fail
PSK = gi.PSK
ADDR = gi.ADDR
LAN4 = {"c": "192.0.2.0/24", "d": "203.0.113.0/24"}
LAN6 = {"c": "2001:db8:1::/64", "d": "2001:db8:2::/64"}


def write_two_children(env, gw, start="none", peer_extra="", version=2):
    """A config with children net4 and net6 (own proposals: net6 asks for PFS).
    version = 1: IKEv1 with MODP proposals and the addresses as IDs."""
    other = "d" if gw == "c" else "c"
    if version == 1:
        peer = 'version = 1\nproposals = ["aes256-sha256-modp2048"]'
        esp4, esp6 = "aes128-sha256-modp2048", "aes256-sha256"
    else:
        peer = (f'proposals = ["aes256-sha256-ecp256"]\nlocal_id = "gw-{gw}.example.org"\n'
                f'remote_id = "gw-{other}.example.org"')
        esp4, esp6 = "aes128gcm16-ecp256", "aes256gcm16-x25519"
    text = f"""[gateway]
addresses = ["{ADDR[gw]}"]
tun = "strata0"
control_socket = "{env.sock(gw)}"
log_level = "debug"

[peers.gw-{other}]
address = "{ADDR[other]}"
{peer}
psk = "{PSK}"
{peer_extra}
[peers.gw-{other}.children.net4]
local_ts = ["{LAN4[gw]}"]
remote_ts = ["{LAN4[other]}"]
esp_proposals = ["{esp4}"]
start_action = "{start}"

[peers.gw-{other}.children.net6]
local_ts = ["{LAN6[gw]}"]
remote_ts = ["{LAN6[other]}"]
esp_proposals = ["{esp6}"]
start_action = "{start}"
"""
    with open(os.path.join(env.work, f"{gw}.toml"), "w") as f:
        f.write(text)


def ike_ids(env, gw):
    return sorted(s["spi"] for s in gi.ike_sas(env, gw))


def wait_new_ike(env, old, timeout):
    """Waits until C and D list one IKE SA, the same, not `old`."""
    def fresh():
        c, d = ike_ids(env, "c"), ike_ids(env, "d")
        return c if len(c) == 1 and c == d and c != old else None
    return gi.wait_for(f"an IKE SA other than {old} on both sides", fresh, timeout, 0.1)


def case_ike_rekey(env):
    gi.write_config(env, "c", start="start")
    gi.write_config(env, "d")
    # C's IKE SA: rekey_time 10 s (rekeyed 9-10 s after it came up).
    path = os.path.join(env.work, "c.toml")
    text = open(path).read().replace('dpd_delay = "30s"\n', 'dpd_delay = "30s"\nrekey_time = "10s"\n', 1)
    with open(path, "w") as f:
        f.write(text)
    env.start("d")
    env.start("c")
    gi.wait_tunnel(env)
    t_up = time.time()
    gi.ping_ok(env, "203.0.113.10", count=2)
    s0 = ike_ids(env, "c")
    children0 = {gw: gi.spis(env, gw) for gw in ("c", "d")}
    c_ike = gi.ike_sas(env, "c")[0]
    if c_ike.get("rekey_in_seconds") is None or c_ike["rekey_in_seconds"] > 10:
        raise Fail(f"C's IKE SA has no rekey time within rekey_time: {c_ike}")
    loop = gi.PingLoop(env, "203.0.113.10", 150)
    time.sleep(0.5)
    r = env.ctl_json("d", "rekey", "gw-c", "--ike")
    print(f"ctl rekey --ike on D: {r['message']}")
    s1 = wait_new_ike(env, s0, 5)
    print(f"by ctl on D: IKE SA {s0} -> {s1} ({time.time() - t_up:.1f} s after up)")
    # C's own rekey_time (10 s less up to a tenth) rekeys the new IKE SA again.
    s2 = wait_new_ike(env, s1, 14)
    print(f"by C's rekey_time: IKE SA {s1} -> {s2} ({time.time() - t_up:.1f} s after up)")
    sent, got, out = loop.result()
    if got != sent or sent != 150:
        raise Fail(f"ping during the IKE rekeys: {got}/{sent} received\n{out}")
    for gw in ("c", "d"):
        if gi.spis(env, gw) != children0[gw]:
            raise Fail(f"{gw}: the CHILD SAs changed across IKE rekeys: {children0[gw]} -> {gi.spis(env, gw)}")
        now = ike_ids(env, gw)
        if now == s0 or now == s1:
            raise Fail(f"{gw}: an old IKE SA is listed: {now}")
        text = env.ctl(gw, "list-sas").stdout
        spi_i, spi_r = now[0].split("/")
        if spi_i[:-2] not in text or spi_r[:-2] not in text:
            raise Fail(f"{gw}: text list-sas lacks the new IKE SPIs {now[0]}:\n{text}")
        for old in s0 + s1:
            if old.split("/")[0][:-2] in text:
                raise Fail(f"{gw}: text list-sas still shows the old IKE SA {old}:\n{text}")
        ike = gi.ike_sas(env, gw)[0]
        if len(ike["children"]) != 1:
            raise Fail(f"{gw}: the new IKE SA lists {len(ike['children'])} children: {ike}")
    print(f"ping: {got}/{sent} received across two IKE rekeys; CHILD SAs kept their SPIs; "
          f"C lists IKE SA {s2[0]}, rekey in {gi.ike_sas(env, 'c')[0]['rekey_in_seconds']} s")
    gi.ping_ok(env, "203.0.113.10", count=2)


def check_two_children(env, gws):
    gi.ping_ok(env, "203.0.113.10", count=3)
    gi.ping_ok(env, "2001:db8:2::10", v6=True, count=3)
    for gw in gws:
        ikes = gi.ike_sas(env, gw)
        if len(ikes) != 1:
            raise Fail(f"{gw}: {len(ikes)} IKE SAs listed, want 1: {ikes}")
        names = sorted(c["name"] for c in ikes[0]["children"])
        peer = "gw-d" if gw == "c" else "gw-c"
        if names != [f"{peer}/net4", f"{peer}/net6"]:
            raise Fail(f"{gw}: the IKE SA's children are {names}")
        sas = gi.child_sas(env, gw)
        if len(sas) != 4:
            raise Fail(f"{gw}: {len(sas)} CHILD SAs listed, want 4: {sas}")
        text = env.ctl(gw, "list-sas").stdout
        print(f"{gw}: 1 IKE SA, children {names}, " +
              ", ".join(f"{s['name']} {s['direction']} {s['spi']}" for s in sas))
        for s in sas:
            if s["spi"] not in text:
                raise Fail(f"{gw}: text list-sas lacks {s['spi']}:\n{text}")


def case_two_children(env):
    write_two_children(env, "c", start="start")
    write_two_children(env, "d")
    env.start("d")
    env.start("c")
    for gw in ("c", "d"):
        gi.wait_for(f"4 CHILD SAs on {gw}", lambda gw=gw: len(gi.child_sas(env, gw)) >= 4, 15)
    check_two_children(env, ("c", "d"))
    # The policies of each child carry their own reqid.
    pols = env.ctl_json("c", "list-policies")
    reqids = {}
    for p in pols:
        for child in ("net4", "net6"):
            if p["name"].startswith(f"gw-d/{child}-"):
                reqids.setdefault(child, set()).add(p.get("reqid"))
    if len(reqids.get("net4", ())) != 1 or len(reqids.get("net6", ())) != 1 or reqids["net4"] == reqids["net6"]:
        raise Fail(f"C's policies do not give each child a reqid of its own: {reqids}\n{pols}")
    print(f"C's policies: reqids {reqids}")


SWAN_TWO_CHILDREN = """# gateway D (strongSwan): IKEv2 PSK, two children: net4 (IPv4) and net6 (IPv6)
connections {{
    gw-gw {{
        version = 2
        local_addrs = 198.51.100.2
        remote_addrs = 198.51.100.1
        encap = yes
        proposals = aes256-sha256-ecp256
        local {{
            auth = psk
            id = gw-d.example.org
        }}
        remote {{
            auth = psk
            id = gw-c.example.org
        }}
        children {{
            net4 {{
                mode = tunnel
                local_ts = 203.0.113.0/24
                remote_ts = 192.0.2.0/24
                esp_proposals = aes128gcm16-ecp256
                start_action = {start}
            }}
            net6 {{
                mode = tunnel
                local_ts = 2001:db8:2::/64
                remote_ts = 2001:db8:1::/64
                esp_proposals = aes256gcm16-x25519
                start_action = {start}
            }}
        }}
    }}
}}
secrets {{
    ike-gw {{
        id-c = gw-c.example.org
        id-d = gw-d.example.org
        secret = "{psk}"
    }}
}}
"""


def case_strongswan_two_children(env, strata_initiates):
    write_two_children(env, "c", start="start" if strata_initiates else "none")
    d = os.path.join(env.work, "swan-d")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "swanctl.conf"), "w") as f:
        f.write(SWAN_TWO_CHILDREN.format(start="none", psk=PSK))
    gi.strongswan(env, "start", env.ns("d"), d)
    env.swan = True
    env.start("c")
    if not strata_initiates:
        # swanctl --initiate of net4 sets up the IKE SA (net4 in IKE_AUTH);
        # net6 follows with CREATE_CHILD_SA on it.
        gi.strongswan(env, "swanctl", env.ns("d"), "--initiate", "--child", "net4", "--timeout", "10")
        gi.strongswan(env, "swanctl", env.ns("d"), "--initiate", "--child", "net6", "--timeout", "10")
    gi.wait_for("4 CHILD SAs on c", lambda: len(gi.child_sas(env, "c")) >= 4, 15)
    check_two_children(env, ("c",))
    sas = gi.strongswan(env, "swanctl", env.ns("d"), "--list-sas").stdout
    for child in ("net4", "net6"):
        if f"{child}: #" not in sas:
            raise Fail(f"strongSwan lists no CHILD SA {child}:\n{sas}")
    if sas.count("INSTALLED") != 2:
        raise Fail(f"strongSwan does not list 2 installed CHILD SAs:\n{sas}")
    for s in gi.child_sas(env, "c"):
        if s["spi"][2:] not in sas:
            raise Fail(f"strongSwan does not list C's SPI {s['spi']}:\n{sas}")
    print("strongSwan lists net4 and net6 INSTALLED with C's SPIs")


def child_selectors(env, gw):
    """name -> (local_ts, remote_ts, spi_in) of the children of gw's one IKE SA (not replaced)."""
    ikes = gi.ike_sas(env, gw)
    if len(ikes) != 1:
        raise Fail(f"{gw}: {len(ikes)} IKE SAs listed, want 1: {ikes}")
    return {c["name"]: (c["local_ts"], c["remote_ts"], c["spi_in"])
            for c in ikes[0]["children"] if not c.get("replaced")}


def wait_rekeyed(env, gw, before, child, timeout=8):
    """Waits until `child` of gw has a new inbound SPI and the old pair is gone;
    checks that the selectors stayed and the other children kept their SPIs."""
    def done():
        now = child_selectors(env, gw)
        if child not in now or now[child][2] == before[child][2] or len(gi.child_sas(env, gw)) != 4:
            return None
        return now
    now = gi.wait_for(f"{gw}: {child} rekeyed", done, timeout, 0.1)
    for name, (l, r, spi) in before.items():
        if (now[name][0], now[name][1]) != (l, r):
            raise Fail(f"{gw}: {name}'s selectors changed in the rekey: {l} === {r} -> {now[name][:2]}")
        if name != child and now[name][2] != spi:
            raise Fail(f"{gw}: {name} was rekeyed too ({spi} -> {now[name][2]})")
    print(f"{gw}: {child} rekeyed {before[child][2]} -> {now[child][2]}, still "
          f"{now[child][0]} === {now[child][1]}; the other child kept {[now[n][2] for n in now if n != child]}")
    return now


def case_ikev1_two_children(env):
    write_two_children(env, "c", start="start", version=1)
    write_two_children(env, "d", version=1)
    env.start("d")
    env.start("c")
    for gw in ("c", "d"):
        gi.wait_for(f"4 CHILD SAs on {gw}", lambda gw=gw: len(gi.child_sas(env, gw)) >= 4, 15)
    # IKEv1 responder race (README gotcha 5): a first packet may be early.
    e2e.ping(env, "203.0.113.10", count=1)
    e2e.ping(env, "2001:db8:2::10", v6=True, count=1)
    check_two_children(env, ("c", "d"))
    for gw in ("c", "d"):
        if gi.ike_sas(env, gw)[0].get("mode") != "IKEv1":
            raise Fail(f"{gw}: the IKE SA is not IKEv1: {gi.ike_sas(env, gw)[0]}")
    before = child_selectors(env, "c")
    r = env.ctl_json("d", "rekey", "net6")
    print(f"ctl rekey net6 on D: {r['message']}")
    wait_rekeyed(env, "c", before, "gw-d/net6")
    gi.ping_ok(env, "2001:db8:2::10", v6=True, count=3)
    gi.ping_ok(env, "203.0.113.10", count=2)


SWAN_V1_TWO_CHILDREN = """# gateway D (strongSwan): IKEv1 main mode, PSK, two children: net4 and net6
connections {{
    gw-gw-v1 {{
        version = 1
        aggressive = no
        local_addrs = 198.51.100.2
        remote_addrs = 198.51.100.1
        encap = yes
        proposals = aes256-sha256-modp2048
        local {{
            auth = psk
        }}
        remote {{
            auth = psk
        }}
        children {{
            net4 {{
                mode = tunnel
                local_ts = 203.0.113.0/24
                remote_ts = 192.0.2.0/24
                esp_proposals = aes128-sha256-modp2048
                start_action = none
            }}
            net6 {{
                mode = tunnel
                local_ts = 2001:db8:2::/64
                remote_ts = 2001:db8:1::/64
                esp_proposals = aes256-sha256
                start_action = none
            }}
        }}
    }}
}}
secrets {{
    ike-gw {{
        id-c = 198.51.100.1
        id-d = 198.51.100.2
        secret = "{psk}"
    }}
}}
"""


def case_strongswan_ikev1_two_children(env, strata_initiates):
    write_two_children(env, "c", start="start" if strata_initiates else "none", version=1)
    d = os.path.join(env.work, "swan-d")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "swanctl.conf"), "w") as f:
        f.write(SWAN_V1_TWO_CHILDREN.format(psk=PSK))
    gi.strongswan(env, "start", env.ns("d"), d)
    env.swan = True
    env.start("c")
    if not strata_initiates:
        # The first sets up the ISAKMP SA (main mode) and net4's quick mode;
        # net6 is a second quick mode under the same ISAKMP SA.
        gi.strongswan(env, "swanctl", env.ns("d"), "--initiate", "--child", "net4", "--timeout", "10")
        gi.strongswan(env, "swanctl", env.ns("d"), "--initiate", "--child", "net6", "--timeout", "10")
    gi.wait_for("4 CHILD SAs on c", lambda: len(gi.child_sas(env, "c")) >= 4, 15)
    # IKEv1 responder race (README gotcha 5): a first packet may be early.
    e2e.ping(env, "203.0.113.10", count=1)
    e2e.ping(env, "2001:db8:2::10", v6=True, count=1)
    check_two_children(env, ("c",))
    sas = gi.strongswan(env, "swanctl", env.ns("d"), "--list-sas").stdout
    for child in ("net4", "net6"):
        if f"{child}: #" not in sas:
            raise Fail(f"strongSwan lists no CHILD SA {child}:\n{sas}")
    if sas.count("INSTALLED") != 2 or sas.count("IKEv1") != 1:
        raise Fail(f"strongSwan does not list 2 installed CHILD SAs under one IKEv1 SA:\n{sas}")
    for s in gi.child_sas(env, "c"):
        if s["spi"][2:] not in sas:
            raise Fail(f"strongSwan does not list C's SPI {s['spi']}:\n{sas}")
    print("strongSwan lists net4 and net6 INSTALLED under one IKEv1 SA with C's SPIs")
    before = child_selectors(env, "c")
    gi.strongswan(env, "swanctl", env.ns("d"), "--rekey", "--child", "net6")
    wait_rekeyed(env, "c", before, "gw-d/net6")
    e2e.ping(env, "2001:db8:2::10", v6=True, count=1)
    gi.ping_ok(env, "2001:db8:2::10", v6=True, count=3)
    gi.ping_ok(env, "203.0.113.10", count=2)
    sas = gi.strongswan(env, "swanctl", env.ns("d"), "--list-sas").stdout
    for spi in (v[2] for v in child_selectors(env, "c").values()):
        if spi[2:] not in sas:
            raise Fail(f"strongSwan does not list C's SPI {spi} after the rekey:\n{sas}")


def main():
    return gi.run_cases({
        "ikev1_two_children": case_ikev1_two_children,
        "strongswan_ikev1_two_children_strata_initiates":
            lambda env: case_strongswan_ikev1_two_children(env, True),
        "strongswan_ikev1_two_children_strongswan_initiates":
            lambda env: case_strongswan_ikev1_two_children(env, False),
        "ikev2_ike_rekey": case_ike_rekey,
        "ikev2_two_children": case_two_children,
        "strongswan_ikev2_two_children_strata_initiates": lambda env: case_strongswan_two_children(env, True),
        "strongswan_ikev2_two_children_strongswan_initiates": lambda env: case_strongswan_two_children(env, False),
    })


if __name__ == "__main__":
    sys.exit(main())
