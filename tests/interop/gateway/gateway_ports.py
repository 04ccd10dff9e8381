#!/usr/bin/env python3
"""End-to-end tests of a gateway on IKE ports other than 500/4500.

`[gateway] ike_port` / `natt_port` are the gateway's own ports (strongSwan's
charon.port / charon.port_nat_t) and a peer's `remote_port` is the peer's
(swanctl's remote_port): IKE_SA_INIT (or MM1/MM2) runs from ike_port to
remote_port; after NAT detection our side moves to natt_port and the peer's
port moves from 500 to 4500 only, so a remote_port that is not 500 stays
(RFC 7296 §2.23, RFC 3947 §4, as strongSwan floats). IKE on ports that are
not 500 carries the non-ESP marker, as strongSwan sends it. With
remote_port = the peer's natt_port, IKE and ESP meet on the NAT-T ports.

Each case builds its own namespaces (../shared/interop/topology.sh), checks,
stops the gateways with SIGTERM (each must exit 0). Exit 0: pass.

Cases:
  nonstandard_ports             two Strata gateways with ike_port 1500,
                                natt_port 14500 and remote_port 14500, IKEv2
                                and then IKEv1 (C initiates at start): ping
                                A->B goes through, and a capture on the
                                internet link (from before the gateways
                                start) shows IKE and ESP only on UDP 1500 and
                                14500 (nothing on 500/4500, nothing in clear),
                                ESP in UDP between 14500 and 14500
  strongswan_nonstandard_ports  Strata C as above against strongSwan D with
                                charon.port = 1500, port_nat_t = 14500 and
                                remote_port = 14500, IKEv2: C initiates, then
                                after a terminate strongSwan initiates; ping
                                A->B each time, strongSwan lists C on 14500,
                                the capture as above
  strongswan_nonstandard_ports_ikev1
                                the same with IKEv1 (main and quick mode)
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gateway_e2e as e2e  # noqa: E402  (namespaces, ping, capture helpers)
import gateway_ike as gi  # noqa: E402  (configs, waiting for SAs, run_cases)

Fail = e2e.Fail
IKE_PORT, NATT_PORT = 1500, 14500


def write_ported(env, gw, version, start):
    """gi.write_config's file with this gateway on IKE_PORT/NATT_PORT and
    the peer's remote_port = its NAT-T port."""
    gi.write_config(env, gw, version=version, start=start, v6=False)
    path = os.path.join(env.work, f"{gw}.toml")
    text = open(path).read()
    text = text.replace("[gateway]\n", f"[gateway]\nike_port = {IKE_PORT}\nnatt_port = {NATT_PORT}\n", 1)
    text = text.replace(f"version = {version}\n", f"version = {version}\nremote_port = {NATT_PORT}\n", 1)
    with open(path, "w") as f:
        f.write(text)


def check_wire(pcap, what):
    """Every UDP datagram on the internet link runs between the two
    configured ports, none on 500/4500; nothing else but ARP/ND; ESP in UDP
    (non-zero first four bytes) between the NAT-T ports; IKE (ISAKMP header
    or the non-ESP marker) on both ports."""
    ports = {IKE_PORT, NATT_PORT}
    r = e2e.run(["tshark", "-r", pcap, "-Y", "udp", "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport",
                 "-e", "udp.payload"])
    ike_on = set()
    esp = 0
    for line in r.stdout.splitlines():
        f = line.split("\t")
        if len(f) < 2 or not f[0]:
            continue
        sport, dport = int(f[0]), int(f[1])
        payload = f[2].replace(":", "") if len(f) > 2 else ""
        if sport not in ports or dport not in ports:
            raise Fail(f"{what}: a UDP datagram {sport} -> {dport} outside ports {sorted(ports)} ({pcap})")
        if payload.startswith("00000000") or IKE_PORT in (sport, dport):
            ike_on.update({sport, dport})
        elif payload == "ff":
            continue  # NAT keepalive (RFC 3948 §2.3)
        else:
            if (sport, dport) != (NATT_PORT, NATT_PORT):
                raise Fail(f"{what}: ESP in UDP {sport} -> {dport}, want {NATT_PORT} -> {NATT_PORT}")
            esp += 1
    other = e2e.tshark_count(pcap, "not udp and not arp and not (icmpv6.type >= 133 and icmpv6.type <= 136) "
                                   "and not icmpv6.type == 143")
    if other:
        raise Fail(f"{what}: {other} frame(s) neither IKE nor ESP in UDP ({pcap})")
    if ike_on != ports:
        raise Fail(f"{what}: IKE seen on ports {sorted(ike_on)}, want both {sorted(ports)} ({pcap})")
    if esp < 3:
        raise Fail(f"{what}: only {esp} ESP datagrams ({pcap})")
    print(f"{what}: wire: IKE on UDP {IKE_PORT} and {NATT_PORT}, {esp} ESP in UDP "
          f"{NATT_PORT} -> {NATT_PORT}, nothing on 500/4500, nothing in clear")


def check_ike_endpoints(env, gw):
    for s in gi.ike_sas(env, gw):
        for end in ("local", "remote"):
            if not s[end].endswith(f":{NATT_PORT}"):
                raise Fail(f"{gw}: IKE SA {end} is {s[end]}, want port {NATT_PORT} after NAT-T: {s}")


def strata_pair(env):
    for version in (2, 1):
        what = f"IKEv{version}"
        write_ported(env, "c", version, "start")
        write_ported(env, "d", version, "none")

        def traffic():
            env.start("d")
            env.start("c")
            gi.wait_tunnel(env)
            e2e.ping(env, "203.0.113.10", count=2)  # IKEv1: the responder installs after QM3
            gi.ping_ok(env, "203.0.113.10", count=3)

        pcap = e2e.capture(env, traffic)
        check_ike_endpoints(env, "c")
        check_ike_endpoints(env, "d")
        problems = env.stop_all()
        if problems:
            raise Fail("\n".join(problems))
        check_wire(pcap, what)
        os.replace(pcap, os.path.join(env.work, f"wan-ikev{version}.pcapng"))


def swan_ported_confdir(env, version):
    d = gi.swan_confdir(env, version, "none")
    path = os.path.join(d, "swanctl.conf")
    text = open(path).read()
    text = text.replace("remote_addrs = 198.51.100.1\n",
                        f"remote_addrs = 198.51.100.1\n        remote_port = {NATT_PORT}\n", 1)
    with open(path, "w") as f:
        f.write(text)
    # Included into strongswan-peer.sh's generated strongswan.conf.
    with open(os.path.join(d, "strongswan.conf"), "w") as f:
        f.write(f"charon {{\n    port = {IKE_PORT}\n    port_nat_t = {NATT_PORT}\n}}\n")
    return d


def strongswan(env, versions=(2,)):
    for version in versions:
        what = f"strongSwan IKEv{version}"
        conn = "gw-gw" if version == 2 else "gw-gw-v1"
        write_ported(env, "c", version, "none")
        confdir = swan_ported_confdir(env, version)

        def up():
            gi.wait_tunnel(env, gws=("c",))
            e2e.ping(env, "203.0.113.10", count=2)  # IKEv1: the responder installs after QM3
            gi.ping_ok(env, "203.0.113.10", count=3)
            check_ike_endpoints(env, "c")
            sas = gi.strongswan(env, "swanctl", env.ns("d"), "--list-sas").stdout
            if "INSTALLED" not in sas or f"198.51.100.1[{NATT_PORT}]" not in sas:
                raise Fail(f"{what}: no installed CHILD SA with C on port {NATT_PORT}:\n{sas}")

        def traffic():
            t0 = time.time()
            gi.strongswan(env, "start", env.ns("d"), confdir)
            env.swan = True
            env.start("c")
            env.ctl_json("c", "initiate", "gw-d")  # C initiates
            up()
            print(f"{what}: C initiated, ping passes ({time.time() - t0:.1f} s)")
            env.ctl_json("c", "terminate", "gw-d")
            gi.wait_for("C's SAs gone", lambda: not gi.child_sas(env, "c") and not gi.ike_sas(env, "c"), 5)
            gi.wait_for(f"strongSwan's {conn} SAs gone",
                        lambda: conn not in gi.strongswan(env, "swanctl", env.ns("d"), "--list-sas").stdout, 5)
            # strongSwan initiates (to C's NAT-T port, from its charon.port).
            t1 = time.time()
            gi.strongswan(env, "swanctl", env.ns("d"), "--initiate", "--child", "net", "--timeout", "10")
            up()
            print(f"{what}: strongSwan initiated, ping passes ({time.time() - t1:.1f} s)")

        pcap = e2e.capture(env, traffic)
        gi.strongswan(env, "stop", env.ns("d"), check=False)
        env.swan = False
        problems = env.stop_all()
        if problems:
            raise Fail("\n".join(problems))
        check_wire(pcap, what)
        os.replace(pcap, os.path.join(env.work, f"wan-sw-ikev{version}.pcapng"))


def main():
    return gi.run_cases({"nonstandard_ports": strata_pair, "strongswan_nonstandard_ports": strongswan,
                         "strongswan_nonstandard_ports_ikev1": lambda env: strongswan(env, (1,))}, prefix="gp")


if __name__ == "__main__":
    sys.exit(main())
