#!/usr/bin/env python3
"""End-to-end tests of `strata gateway`: certificate authentication and
transport mode between two Strata gateways.

Each case builds its own namespaces (A - C == D - B, ../shared/interop/
topology.sh) under a prefix of its own, runs a Strata gateway in C and one
in D, checks what the case is about, stops the gateways with SIGTERM (each
must exit 0) and tears the namespaces down. Exit 0: pass.

Cases:
  ikev2_cert       IKEv2 with X.509 certificates from a test CA made here with
                   openssl (ECDSA P-256): C names itself by FQDN and D by its
                   subject DN; ping A->B over IPv4 and IPv6; `strata ctl
                   list-sas` shows the IKE SA with the peer's identity; a key
                   readable by others and a garbage cacert are refused with
                   file:line:reason (at --check and at SIGHUP, the tunnel
                   stays); then C restarts with a certificate from another CA:
                   D refuses it (AUTHENTICATION_FAILED, logged on both sides)
                   and no SA comes up.
  transport_mode   a child with mode = "transport" between C's and D's own
                   addresses: ping and a 256 KiB TCP transfer from C's namespace to
                   D's outer address; the internet link carries ESP (IP
                   protocol 50) only, each ESP packet exactly as long as the
                   transport-mode encapsulation of the ICMP message (tunnel
                   mode would add a 20-byte inner IPv4 header); list-sas shows
                   transport-mode SAs; A->B is not affected (not protected,
                   not routed: C has no route to B's LAN).
  ikev1_cert       (interop.gateway.strongswan.ikev1_cert) a Strata gateway
                   in C with version = 1 and auth = "pubkey" (ECDSA P-256,
                   RFC 4754) against strongSwan in D (IKEv1, pubkey):
                   Strata initiates and A pings B; strongSwan terminates
                   and initiates itself, A pings B again.
"""
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gateway_e2e as e2e  # noqa: E402  (namespaces, ping, capture helpers)
import gateway_ike as gi  # noqa: E402  (IKE peers: env, waiting for SAs)

Fail = e2e.Fail
run = e2e.run
ns_run = e2e.ns_run
ADDR = gi.ADDR
LAN = gi.LAN


# ---- a throw-away PKI made with openssl --------------------------------

def openssl(*args, cwd):
    run(["openssl"] + list(args), cwd=cwd)


def make_ca(d, name, cn):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/O=interop-test/CN={cn}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=d)


def issue(d, ca, name, cn, san):
    """name.pem (issued by ca) and name.key (mode 0600) in d."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/O=interop-test/CN={cn}", cwd=d)
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(f"basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName={san}\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-set_serial",
            str(int.from_bytes(os.urandom(8), "big")), "-days", "2", "-sha256", "-extfile", f"{name}.ext",
            "-out", f"{name}.pem", cwd=d)
    os.chmod(os.path.join(d, f"{name}.key"), 0o600)


def make_pki(env):
    d = os.path.join(env.work, "pki")
    os.makedirs(d, exist_ok=True)
    make_ca(d, "ca", "Interop Gateway CA")
    make_ca(d, "other-ca", "Some Other CA")
    issue(d, "ca", "gw-c", "gw-c.example.org", "DNS:gw-c.example.org,IP:198.51.100.1")
    issue(d, "ca", "gw-d", "gw-d.example.org", "DNS:gw-d.example.org")
    # the same names, vouched for by a CA that D does not trust
    issue(d, "other-ca", "rogue-c", "gw-c.example.org", "DNS:gw-c.example.org,IP:198.51.100.1")
    return d


# ---- configurations ------------------------------------------------------

def head(env, gw, encap="udp"):
    return f"""[gateway]
addresses = ["{ADDR[gw]}"]
tun = "strata0"
encapsulation = "{encap}"
control_socket = "{env.sock(gw)}"
log_level = "debug"
"""


def write_cert_config(env, gw, pki, cert, ids, cacert="ca.pem", start="none"):
    """C or D with auth = "pubkey"; ids: the local_id/remote_id lines."""
    other = "d" if gw == "c" else "c"
    text = head(env, gw) + f"""
[peers.gw-{other}]
address = "{ADDR[other]}"
proposals = ["aes256-sha256-ecp256"]
auth = "pubkey"
cert = "{pki}/{cert}.pem"
key = "{pki}/{cert}.key"
cacert = "{pki}/{cacert}"
{ids}
[peers.gw-{other}.children.net]
local_ts = [{LAN[gw]}]
remote_ts = [{LAN[other]}]
esp_proposals = ["aes128gcm16-ecp256"]
start_action = "{start}"
"""
    path = os.path.join(env.work, f"{gw}.toml")
    with open(path, "w") as f:
        f.write(text)
    return path, text


def check_refused(env, path, line_no, reason, what):
    """strata gateway --check refuses path with path:line_no and reason."""
    r = run([env.strata, "gateway", "--check", "--config", path], check=False)
    out = r.stdout + r.stderr
    if r.returncode == 0:
        raise Fail(f"--check accepted {what}:\n{out}")
    if f"{path}:{line_no}:" not in out or reason not in out:
        raise Fail(f"--check on {what}: expected '{path}:{line_no}: ... {reason}', got:\n{out}")
    print(f"refused at start ({what}): " + next(l for l in out.splitlines() if f"{path}:{line_no}:" in l))


def line_of(text, key):
    for i, l in enumerate(text.splitlines(), 1):
        if l.startswith(key + " ="):
            return i
    raise Fail(f"no {key} in the configuration")


def case_ikev2_cert(env):
    pki = make_pki(env)
    # C says who it is by FQDN (a subjectAltName of its certificate) and wants
    # D's subject DN; D sends its DN (no local_id) and wants C's FQDN.
    c_ids = 'local_id = "gw-c.example.org"\nremote_id = "dn:O=interop-test, CN=gw-d.example.org"\n'
    d_ids = 'remote_id = "gw-c.example.org"\n'
    write_cert_config(env, "c", pki, "gw-c", c_ids, start="start")
    d_path, d_text = write_cert_config(env, "d", pki, "gw-d", d_ids)

    # A key others can read is refused at start with its line and the reason.
    os.chmod(os.path.join(pki, "gw-d.key"), 0o644)
    check_refused(env, d_path, line_of(d_text, "key"), "readable by others", "a key with mode 0644")
    os.chmod(os.path.join(pki, "gw-d.key"), 0o600)

    env.start("d")
    env.start("c")
    gi.wait_tunnel(env)
    e2e.ping(env, "203.0.113.10", count=2)
    gi.ping_ok(env, "203.0.113.10", count=3)
    gi.ping_ok(env, "2001:db8:2::10", v6=True, count=3)

    c_ike = gi.ike_sas(env, "c")
    d_ike = gi.ike_sas(env, "d")
    if len(c_ike) != 1 or len(d_ike) != 1:
        raise Fail(f"expected one IKE SA on each side: C {c_ike} D {d_ike}")
    # RFC 2253 text of D's subject, and C's FQDN, as each side authenticated them
    want_c = {"CN=gw-d.example.org,O=interop-test"}
    if c_ike[0]["remote_id"] not in want_c or c_ike[0]["local_id"] != "gw-c.example.org":
        raise Fail(f"C's IKE SA identities: local {c_ike[0]['local_id']} remote {c_ike[0]['remote_id']}")
    if d_ike[0]["remote_id"] != "gw-c.example.org" or d_ike[0]["local_id"] not in want_c:
        raise Fail(f"D's IKE SA identities: local {d_ike[0]['local_id']} remote {d_ike[0]['remote_id']}")
    text = env.ctl("c", "list-sas").stdout
    if "CN=gw-d.example.org" not in text:
        raise Fail(f"text list-sas on C does not show the peer's identity:\n{text}")
    print(f"C: IKE SA {c_ike[0]['spi_i']}/{c_ike[0]['spi_r']} with {c_ike[0]['remote_id']}; "
          f"D: with {d_ike[0]['remote_id']}")

    # SIGHUP with a garbage cacert: refused with file:line:reason, tunnel stays.
    ca = os.path.join(pki, "ca.pem")
    good = open(ca).read()
    with open(ca, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
    try:
        env.gws["d"].send_signal(signal.SIGHUP)
        want = f"{d_path}:{line_of(d_text, 'cacert')}:"
        gi.wait_for("D to refuse the reload", lambda: want in env.log("d") and "holds no PEM certificate" in
                    env.log("d"), 5)
        line = next(l for l in env.log("d").splitlines() if want in l)
        print(f"refused at SIGHUP: {line.strip()}")
    finally:
        with open(ca, "w") as f:
            f.write(good)
    env.alive("d")
    gi.ping_ok(env, "203.0.113.10", count=2)

    # C comes back with a certificate from another CA: D refuses it.
    p = env.gws.pop("c")
    p.send_signal(signal.SIGTERM)
    p.wait(10)
    if p.returncode != 0:
        raise Fail(f"C exited {p.returncode}")
    gi.wait_for("D's SAs deleted", lambda: not gi.child_sas(env, "d") and not gi.ike_sas(env, "d"), 5)
    os.rename(os.path.join(env.work, "c.log"), os.path.join(env.work, "c-first.log"))
    write_cert_config(env, "c", pki, "rogue-c", c_ids, start="start")
    env.start("c")
    gi.wait_for("AUTHENTICATION_FAILED on C", lambda: "AUTHENTICATION_FAILED" in env.log("c"), 10)
    gi.wait_for("D to log the refused certificate", lambda: "does not chain to a configured CA" in env.log("d"), 5)
    time.sleep(0.5)
    for gw in ("c", "d"):
        if gi.child_sas(env, gw) or gi.ike_sas(env, gw):
            raise Fail(f"{gw} has SAs after the refused certificate: {env.ctl_json(gw, 'list-sas')}")
    line = next(l for l in env.log("d").splitlines() if "does not chain" in l)
    print(f"other CA refused: D: {line.strip()}")
    line = next(l for l in env.log("c").splitlines() if "AUTHENTICATION_FAILED" in l)
    print(f"                  C: {line.strip()}")


# ---- IKEv1 with certificates against strongSwan ----------------------------

SWAN_V1_CERT = """connections {
    gw-gw-v1cert {
        version = 1
        aggressive = no
        local_addrs = 198.51.100.2
        remote_addrs = 198.51.100.1
        encap = yes
        proposals = aes256-sha256-modp2048
        local {
            auth = pubkey
            certs = gw-d.pem
            id = gw-d.example.org
        }
        remote {
            auth = pubkey
            id = gw-c.example.org
        }
        children {
            net {
                mode = tunnel
                local_ts = 203.0.113.0/24
                remote_ts = 192.0.2.0/24
                esp_proposals = aes128-sha256-modp2048
                start_action = none
            }
        }
    }
}
"""


def swan_cert_confdir(env, pki):
    """strongSwan's CONFDIR for D: the IKEv1 pubkey connection, gw-d's
    certificate and key, and the CA (x509/, private/, x509ca/)."""
    d = os.path.join(env.work, "swan-d")
    for sub in ("x509", "private", "x509ca"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    for src, dst in (("gw-d.pem", "x509/gw-d.pem"), ("gw-d.key", "private/gw-d.key"), ("ca.pem", "x509ca/ca.pem")):
        with open(os.path.join(pki, src)) as f, open(os.path.join(d, dst), "w") as g:
            g.write(f.read())
    os.chmod(os.path.join(d, "private", "gw-d.key"), 0o600)
    with open(os.path.join(d, "swanctl.conf"), "w") as f:
        f.write(SWAN_V1_CERT)
    return d


def case_ikev1_cert(env):
    """A Strata gateway in C (version = 1, auth = "pubkey", ECDSA P-256
    certificate: RFC 4754 method 9) and strongSwan in D (IKEv1, pubkey):
    Strata initiates, ping A->B; strongSwan terminates; strongSwan
    initiates, ping A->B again."""
    pki = make_pki(env)
    ids = 'version = 1\nlocal_id = "gw-c.example.org"\nremote_id = "gw-d.example.org"\n'
    path, text = write_cert_config(env, "c", pki, "gw-c", ids, start="start")
    # IKEv1: one subnet pair per child, main mode with a MODP group as D's.
    text = (text.replace('proposals = ["aes256-sha256-ecp256"]', 'proposals = ["aes256-sha256-modp2048"]')
            .replace('esp_proposals = ["aes128gcm16-ecp256"]', 'esp_proposals = ["aes128-sha256-modp2048"]')
            .replace(LAN["c"], LAN["c"].split(",")[0]).replace(LAN["d"], LAN["d"].split(",")[0]))
    with open(path, "w") as f:
        f.write(text)
    gi.strongswan(env, "start", env.ns("d"), swan_cert_confdir(env, pki))
    env.swan = True
    env.start("c")
    gi.wait_tunnel(env, gws=("c",))
    e2e.ping(env, "203.0.113.10", count=2)  # IKEv1 responder race (README gotcha 5)
    gi.ping_ok(env, "203.0.113.10", count=3)
    ike = gi.ike_sas(env, "c")
    if len(ike) != 1 or ike[0]["remote_id"] != "gw-d.example.org" or ike[0]["local_id"] != "gw-c.example.org":
        raise Fail(f"C's IKE SA: {ike}")
    swan = gi.strongswan(env, "swanctl", env.ns("d"), "--list-sas").stdout
    if "IKEv1" not in swan or "INSTALLED" not in swan or "gw-c.example.org" not in swan:
        raise Fail(f"strongSwan does not list an IKEv1 SA with gw-c.example.org and an installed CHILD SA:\n{swan}")
    log = open(gi.strongswan(env, "log", env.ns("d")).stdout.strip()).read()
    if not re.search(r"authentication of 'gw-c\.example\.org' with ECDSA_WITH_NULL successful", log):
        raise Fail("charon did not log our ECDSA signature as verified")
    print(f"Strata initiated: IKE SA {ike[0]['spi_i']}/{ike[0]['spi_r']} with {ike[0]['remote_id']}, "
          "pings A->B through, charon verified our ECDSA signature")
    # strongSwan ends it, then starts it itself: Strata answers as responder.
    gi.strongswan(env, "swanctl", env.ns("d"), "--terminate", "--ike", "gw-gw-v1cert", "--timeout", "10")
    gi.wait_for("C's SAs gone", lambda: not gi.child_sas(env, "c") and not gi.ike_sas(env, "c"), 10)
    gi.strongswan(env, "swanctl", env.ns("d"), "--initiate", "--child", "net", "--timeout", "10")
    gi.wait_tunnel(env, gws=("c",))
    e2e.ping(env, "203.0.113.10", count=2)
    gi.ping_ok(env, "203.0.113.10", count=3)
    ike = gi.ike_sas(env, "c")
    if len(ike) != 1 or ike[0]["remote_id"] != "gw-d.example.org":
        raise Fail(f"C's IKE SA after strongSwan initiated: {ike}")
    print(f"strongSwan initiated: IKE SA {ike[0]['spi_i']}/{ike[0]['spi_r']}, pings A->B through")


# ---- transport mode between the gateways ---------------------------------

PSK = gi.PSK
ICMP_DATA = 100  # ping -s: an ICMP message of 108 bytes


def write_transport_config(env, gw, start="none"):
    other = "d" if gw == "c" else "c"
    text = head(env, gw, encap="esp") + f"""
[peers.gw-{other}]
address = "{ADDR[other]}"
proposals = ["aes256-sha256-ecp256"]
local_id = "gw-{gw}.example.org"
remote_id = "gw-{other}.example.org"
auth = "psk"
psk = "{PSK}"

[peers.gw-{other}.children.host]
local_ts = ["{ADDR[gw]}/32"]
remote_ts = ["{ADDR[other]}/32"]
mode = "transport"
esp_proposals = ["aes128gcm16"]
start_action = "{start}"
"""
    with open(os.path.join(env.work, f"{gw}.toml"), "w") as f:
        f.write(text)


SERVER = r"""
import hashlib, socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.2", 5002)); s.listen(1); print("ready", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest(), flush=True)
"""

CLIENT = r"""
import hashlib, os, socket, sys
data = os.urandom(int(sys.argv[1]))
s = socket.create_connection(("198.51.100.2", 5002), timeout=20); s.sendall(data); s.close()
print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
"""


def tcp_c_to_d(env, size):
    srv = subprocess.Popen(["ip", "netns", "exec", env.ns("d"), "/usr/bin/python3", "-c", SERVER],
                           stdout=subprocess.PIPE, text=True)
    try:
        if srv.stdout.readline().strip() != "ready":
            raise Fail("TCP server in D did not start")
        sent = ns_run(env.ns("c"), ["/usr/bin/python3", "-c", CLIENT, str(size)], timeout=30).stdout.strip()
        got = srv.communicate(timeout=20)[0].strip()
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()
    if sent != got:
        raise Fail(f"TCP C->D: sent {sent}, D received {got}")
    return size


def esp_len_transport(inner, iv=8, icv=16):
    # RFC 4303 §2.4: payload + pad length + next header, padded to 4 bytes;
    # SPI and sequence number before, IV with the payload (RFC 4106 §3), ICV after.
    body = inner + 2
    body += (-body) % 4
    return 8 + iv + body + icv


def case_transport_mode(env):
    write_transport_config(env, "c", start="start")
    write_transport_config(env, "d")
    env.start("d")
    env.start("c")
    gi.wait_tunnel(env)
    for gw in ("c", "d"):
        modes = {s["mode"] for s in gi.child_sas(env, gw)}
        if modes != {"transport"}:
            raise Fail(f"{gw}: CHILD SAs in mode(s) {modes}: {gi.child_sas(env, gw)}")

    def pings():
        r = ns_run(env.ns("c"), ["ping", "-c", "5", "-i", "0.2", "-W", "2", "-s", str(ICMP_DATA), ADDR["d"]],
                   check=False)
        if " 0% packet loss" not in r.stdout:
            raise Fail(f"ping C->D in transport mode:\n{r.stdout}{r.stderr}\nC:\n{env.log('c')[-3000:]}")
        time.sleep(1.0)  # let tshark write the last frames before it is stopped
    pcap = e2e.capture(env, pings)
    # Only the ICMP messages cross the link now: in transport mode each ESP
    # payload is the ICMP message itself (RFC 4303 §3.1.1), with no inner
    # IP header (tunnel mode, §3.1.2, would add 20 bytes).
    want = esp_len_transport(8 + ICMP_DATA)
    tunnel = esp_len_transport(20 + 8 + ICMP_DATA)
    lens = run(["tshark", "-r", pcap, "-Y", "ip.proto == 50", "-T", "fields", "-e", "ip.len"]).stdout.split()
    esp_lens = sorted({int(x) - 20 for x in lens})
    # 5 echo requests and 5 replies crossed (ping saw them all); a loaded
    # machine's capture may miss a frame, but every one it has must be ESP
    # of the transport-mode length.
    if len(lens) < 6 or len(lens) > 10 or esp_lens != [want]:
        raise Fail(f"expected up to 10 ESP packets, all of {want} bytes (transport mode; tunnel mode: {tunnel}), "
                   f"got {len(lens)} of length(s) {esp_lens} ({pcap})")
    clear = e2e.tshark_count(pcap, "icmp")
    if clear:
        raise Fail(f"{clear} ICMP frame(s) in clear between the gateways ({pcap})")
    print(f"transport mode: 5 pings C->D, {len(lens)} of their 10 ESP packets (IP protocol 50) captured, all {want} bytes "
          f"(tunnel mode would make them {tunnel}), no ICMP in clear")

    pcap = e2e.capture(env, lambda: tcp_c_to_d(env, 256 * 1024))
    clear = e2e.tshark_count(pcap, "icmp or tcp or udp.port == 5002")
    esp = e2e.tshark_count(pcap, "ip.proto == 50")
    other = e2e.tshark_count(pcap, "not ip.proto == 50 and not isakmp and not arp and not icmpv6")
    if clear or other or esp < 100:
        raise Fail(f"TCP C->D: {esp} ESP frames, {clear} in clear, {other} others on the internet link ({pcap})")
    print(f"transport mode: 256 KiB over TCP C->D arrived intact as {esp} ESP frames, nothing in clear")
    # The LANs are not part of this child: A->B has no route and no SA.
    r = ns_run(env.ns("a"), ["ping", "-c", "1", "-W", "1", "203.0.113.10"], check=False)
    if r.returncode == 0:
        raise Fail("A reached B although no child covers the LANs")


def main():
    return gi.run_cases({"ikev2_cert": case_ikev2_cert, "transport_mode": case_transport_mode,
                         "ikev1_cert": case_ikev1_cert}, prefix="gc")


if __name__ == "__main__":
    sys.exit(main())
