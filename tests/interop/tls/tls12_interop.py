#!/usr/bin/env python3
"""tls12_interop.py: one TLS 1.2 interop case between Strata and a real peer.

  tls12_interop.py --strata PATH --shared DIR --workdir DIR --case PEER.ROLE_tls12_NAME

PEER is openssl or gnutls; ROLE is "client" (Strata's client against the
peer's server) or "server" (the peer's client against Strata's server); NAME
picks the parameters (see CASES). Each case runs in a network namespace of
its own and checks both sides: the handshake, the application data round
trip, and the negotiated version, suite, extended master secret (RFC 7627),
encrypt-then-MAC (RFC 7366) and resumption, as Strata reports them and, where
the peer prints them, as the peer does. "reneg" checks that a renegotiation
attempt is refused with a no_renegotiation alert (RFC 5746 §4, RFC 5246
§7.2.2) and that Strata neither crashes nor hangs.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tls_interop import (MESSAGE, check, log, matrix_main, quote, serve_peer_clients, stop,  # noqa: E402
                         strata_lines, parse_line, wait_listening)

# name -> parameters. ossl: OpenSSL suite name; iana: Strata's report;
# gcipher/gkx/gmac: GnuTLS priority keywords; cert: rsa|ec; group: "" for RSA
# key transport; etm: whether encrypt-then-MAC is expected; flags: mtls,
# resume ("id" or "ticket"), reneg, no_etm (the peer refuses EtM).
CASES = {
    "ecdsa_gcm": dict(ossl="ECDHE-ECDSA-AES128-GCM-SHA256", iana="TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                      gcipher="AES-128-GCM", gkx="ECDHE-ECDSA", gmac="AEAD", cert="ec", group="X25519"),
    "rsa_chacha": dict(ossl="ECDHE-RSA-CHACHA20-POLY1305", iana="TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                       gcipher="CHACHA20-POLY1305", gkx="ECDHE-RSA", gmac="AEAD", cert="rsa", group="P-256"),
    "cbc_etm": dict(ossl="ECDHE-RSA-AES128-SHA256", iana="TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                    gcipher="AES-128-CBC", gkx="ECDHE-RSA", gmac="SHA256", cert="rsa", group="X25519", etm=True),
    "cbc_noetm": dict(ossl="ECDHE-ECDSA-AES256-SHA", iana="TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                      gcipher="AES-256-CBC", gkx="ECDHE-ECDSA", gmac="SHA1", cert="ec", group="P-256",
                      no_etm=True),
    "rsa_kx": dict(ossl="AES128-GCM-SHA256", iana="TLS_RSA_WITH_AES_128_GCM_SHA256", gcipher="AES-128-GCM",
                   gkx="RSA", gmac="AEAD", cert="rsa", group=""),
    "mtls": dict(ossl="ECDHE-ECDSA-AES256-GCM-SHA384", iana="TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                 gcipher="AES-256-GCM", gkx="ECDHE-ECDSA", gmac="AEAD", cert="ec", group="X25519", mtls=True),
    "resume_id": dict(ossl="ECDHE-RSA-AES128-GCM-SHA256", iana="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                      gcipher="AES-128-GCM", gkx="ECDHE-RSA", gmac="AEAD", cert="rsa", group="X25519", resume="id"),
    "resume_ticket": dict(ossl="ECDHE-RSA-AES256-GCM-SHA384", iana="TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                          gcipher="AES-256-GCM", gkx="ECDHE-RSA", gmac="AEAD", cert="rsa", group="X25519",
                          resume="ticket"),
    "reneg": dict(ossl="ECDHE-RSA-AES128-GCM-SHA256", iana="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                  gcipher="AES-128-GCM", gkx="ECDHE-RSA", gmac="AEAD", cert="rsa", group="X25519", reneg=True),
}
STRATA_GROUP = {"X25519": "x25519", "P-256": "secp256r1", "": "-"}
GNUTLS_GROUP = {"X25519": "GROUP-X25519", "P-256": "GROUP-SECP256R1"}


def expect_strata(line, p, peer_cn=None, resumed=False):
    f = parse_line(line)
    check(f["version"] == "TLSv1.2", f"Strata reports TLSv1.2 ({f['version']})")
    check(f["cipher"] == p["iana"], f"Strata reports {p['iana']} ({f['cipher']})")
    if not resumed:
        check(f["group"] == STRATA_GROUP[p["group"]], f"Strata reports group {STRATA_GROUP[p['group']]} ({f['group']})")
    check(f["ems"] == "yes", "Strata reports the extended master secret (RFC 7627)")
    want_etm = "yes" if p.get("etm") else "no"
    check(f["etm"] == want_etm, f"Strata reports etm={want_etm} ({f['etm']})")
    check(f["resumed"] == ("yes" if resumed else "no"), f"Strata reports resumed={'yes' if resumed else 'no'}")
    if peer_cn is not None:
        check(f"CN={peer_cn}" in f["peer"], f"Strata reports peer CN={peer_cn} ({f['peer']})")


def client_groups(p):
    # RFC 8422 §5.1: a client's supported_groups also bounds the curve of an
    # ECDSA certificate, so a P-256 certificate needs P-256 in the list.
    if p["cert"] == "ec" and p["group"] != "P-256":
        return p["group"] + ":P-256"
    return p["group"]


def strata_client_argv(args, d, p, port, reconnect=0, wait_ms=1500):
    a = [args.strata, "tls", "client", f"127.0.0.1:{port}", "--ca", f"{d}/ca.pem", "--servername", "localhost",
         "--tls1.2", "--ciphers", p["iana"], "--wait", str(wait_ms)]
    if p["group"]:
        a += ["--groups", client_groups(p)]
    if p.get("mtls"):
        a += ["--cert", f"{d}/client.pem", "--key", f"{d}/client.key"]
    if reconnect:
        a += ["--reconnect", str(reconnect)]
    return a


def strata_server_argv(args, d, p, port, count):
    a = [args.strata, "tls", "server", "--cert", f"{d}/server.pem", "--key", f"{d}/server.key", "--port", str(port),
         "--tls1.2", "--ciphers", p["iana"], "--count", str(count)]
    if p["group"]:
        a += ["--groups", p["group"]]
    if p.get("mtls"):
        a += ["--ca", f"{d}/ca.pem", "--verify-client"]
    return a


def gnutls_priority(p):
    pr = (f"NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+{p['gcipher']}:-KX-ALL:+{p['gkx']}"
          f":-MAC-ALL:+{p['gmac']}")
    if p["group"]:
        # client_groups: with an ECDSA certificate the list also holds its curve (RFC 8422 §5.1)
        pr += ":-GROUP-ALL" + "".join(f":+{GNUTLS_GROUP[g]}" for g in client_groups(p).split(":"))
    if p.get("no_etm"):
        pr += ":%NO_ETM"
    if p.get("resume") == "id":
        pr += ":%NO_TICKETS"
    return pr


# ---------------------------------------------------------------- Strata's client


def run_strata_client(args, ns, d, p, port, work, server_argv, env=None):
    """Starts the peer server, runs Strata's client, returns (client result, peer log)."""
    srv_out = open(f"{work}/peer-server.log", "w")
    srv = subprocess.Popen(ns.cmd(server_argv), stdin=subprocess.PIPE, stdout=srv_out, stderr=subprocess.STDOUT,
                           text=True, env=env)
    try:
        wait_listening(ns, port, srv)
        reconnect = 2 if p.get("resume") else 0
        cli = subprocess.run(ns.cmd(strata_client_argv(args, d, p, port, reconnect)), input=MESSAGE,
                             capture_output=True, text=True, timeout=30)
        log("--- strata client stderr ---\n" + cli.stderr + "--- stdout ---\n" + cli.stdout)
    finally:
        stop(srv)
        srv_out.close()
    peer_log = open(f"{work}/peer-server.log").read()
    log("--- peer server log ---\n" + peer_log[-3000:])
    return cli, peer_log


def check_strata_client(cli, p, reply_text):
    check(cli.returncode == 0, f"Strata client exits 0 ({cli.returncode})")
    lines = strata_lines(cli.stderr)
    want = 3 if p.get("resume") else 1
    check(len(lines) == want, f"{want} connection(s) made")
    expect_strata(lines[0], p, "server.example.org")
    for extra in lines[1:]:
        expect_strata(extra, p, "server.example.org", resumed=True)
    check(cli.stdout.count(reply_text) == want, f"the peer's answer came back {want} time(s)")


def openssl_server_argv(d, p, port, naccept, rev=True):
    a = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", str(naccept),
         "-cert", f"{d}/server.pem", "-key", f"{d}/server.key", "-tls1_2", "-cipher", p["ossl"]]
    if rev:
        a += ["-rev"]
    if p["group"]:
        a += ["-groups", client_groups(p)]  # OpenSSL checks the client certificate's curve against them
    if p.get("mtls"):
        a += ["-CAfile", f"{d}/ca.pem", "-Verify", "1", "-verify_return_error"]
    if p.get("no_etm"):
        a += ["-no_etm"]
    if p.get("resume") == "id":
        a += ["-no_ticket"]  # only the session cache can resume
    if p.get("resume") == "ticket":
        a += ["-no_cache"]  # only a ticket can resume
    return a


def openssl_client_case(args, ns, d, p, port, work):
    if p.get("reneg"):
        return openssl_client_reneg(args, ns, d, p, port, work)
    naccept = 3 if p.get("resume") else 1
    cli, peer_log = run_strata_client(args, ns, d, p, port, work, openssl_server_argv(d, p, port, naccept))
    check_strata_client(cli, p, MESSAGE.rstrip("\n")[::-1])
    if p.get("mtls"):
        check(re.search(r"client\.example\.org", peer_log) is not None, "openssl s_server saw the client certificate")
    check(f"Ciphersuite: {p['ossl']}" in peer_log, f"openssl s_server reports {p['ossl']}")
    check("Protocol version: TLSv1.2" in peer_log, "openssl s_server reports TLSv1.2")


def openssl_client_reneg(args, ns, d, p, port, work):
    # s_server's "r" command sends a HelloRequest (RFC 5246 §7.4.1.1).
    srv_out = open(f"{work}/peer-server.log", "w")
    srv = subprocess.Popen(ns.cmd(openssl_server_argv(d, p, port, 1, rev=False)), stdin=subprocess.PIPE,
                           stdout=srv_out, stderr=subprocess.STDOUT, text=True)
    try:
        wait_listening(ns, port, srv)
        cli = subprocess.Popen(ns.cmd(strata_client_argv(args, d, p, port, wait_ms=4000)), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Strata's client reads all of its standard input before it connects.
        cli.stdin.write(MESSAGE)
        cli.stdin.close()
        cli.stdin = None
        end = time.time() + 10
        while time.time() < end and MESSAGE.strip() not in open(f"{work}/peer-server.log").read():
            time.sleep(0.05)
        srv.stdin.write("r\n")
        srv.stdin.flush()
        out, err = cli.communicate(timeout=20)
        log("--- strata client stderr ---\n" + err + "--- stdout ---\n" + out)
    finally:
        stop(srv)
        srv_out.close()
    peer_log = open(f"{work}/peer-server.log").read()
    log("--- peer server log ---\n" + peer_log[-3000:])
    lines = strata_lines(err)
    check(len(lines) == 1, "Strata's client connected")
    expect_strata(lines[0], p, "server.example.org")
    check(MESSAGE.strip() in peer_log, "openssl s_server received the client's data")
    check("SSL_do_handshake" in peer_log, "openssl s_server sent a HelloRequest")
    check("no renegotiation" in peer_log, "openssl s_server saw Strata's no_renegotiation alert")
    # OpenSSL answers a refused renegotiation with a fatal handshake_failure;
    # Strata's client then ends with a clear error, not a crash or a hang.
    check(cli.returncode in (0, 1), f"Strata client ended normally ({cli.returncode})")


# ---------------------------------------------------------------- peers' clients


def run_peer_clients(args, ns, d, p, port, work, count, runs):
    outputs, text, srv_rc = serve_peer_clients(ns, work, port, strata_server_argv(args, d, p, port, count), runs,
                                               client_timeout=30, server_timeout=15)
    return outputs, strata_lines(text), text, srv_rc


def openssl_server_case(args, ns, d, p, port, work):
    base = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-verify_hostname", "localhost", "-verify_return_error", "-CAfile", f"{d}/ca.pem", "-tls1_2",
            "-cipher", p["ossl"]]
    if p["group"]:
        base += ["-groups", client_groups(p)]
    if p.get("mtls"):
        base += ["-cert", f"{d}/client.pem", "-key", f"{d}/client.key"]
    if p.get("no_etm"):
        base += ["-no_etm"]
    if p.get("resume") == "id":
        base += ["-no_ticket"]
    feed = f"(printf {quote(MESSAGE)}; sleep 1.5)"
    if p.get("reneg"):
        # s_client's "R" line starts a renegotiation (a new ClientHello).
        feed = f"(printf {quote(MESSAGE)}; sleep 1; printf 'R\\n'; sleep 2)"
        runs = [(base, feed)]
    elif p.get("resume"):
        runs = [(base + ["-sess_out", f"{work}/sess.pem"], feed), (base + ["-sess_in", f"{work}/sess.pem"], feed)]
    else:
        runs = [(base, feed)]
    outs, lines, text, srv_rc = run_peer_clients(args, ns, d, p, port, work, len(runs), runs)
    check(srv_rc == 0, f"Strata server exits 0 ({srv_rc})")
    check(len(lines) == len(runs), f"Strata server completed {len(runs)} handshake(s)")
    expect_strata(lines[0], p, "client.example.org" if p.get("mtls") else None)
    first = outs[0].stdout
    check(MESSAGE.strip() in first, "the echo came back to openssl s_client")
    check(f"Cipher is {p['ossl']}" in first, f"openssl s_client reports {p['ossl']}")
    check("Protocol  : TLSv1.2" in first, "openssl s_client reports TLSv1.2")
    check("Extended master secret: yes" in first, "openssl s_client reports Extended master secret: yes")
    check("Verify return code: 0 (ok)" in first, "openssl s_client verified Strata's certificate")
    if p.get("reneg"):
        both = outs[0].stdout + outs[0].stderr
        check("RENEGOTIATING" in both, "openssl s_client tried to renegotiate")
        check("no renegotiation" in both, "openssl s_client saw Strata's no_renegotiation alert")
        check("connection failed: PeerAlert" in text or "handshake_failure" in text,
              "Strata's server ended that connection on the peer's fatal alert")
        return
    if p.get("resume"):
        second = outs[1].stdout
        check(outs[1].returncode == 0, f"the second openssl s_client exits 0 ({outs[1].returncode})")
        check(f"Reused, TLSv1.2, Cipher is {p['ossl']}" in second, "openssl s_client reports the session reused")
        check("Extended master secret: yes" in second, "the resumed session keeps the extended master secret")
        ticket = "TLS session ticket:" in first
        check(ticket == (p["resume"] == "ticket"),
              f"the session {'carries' if ticket else 'has no'} ticket, as the case wants")
        expect_strata(lines[1], p, None, resumed=True)
    else:
        check(outs[0].returncode == 0, f"openssl s_client exits 0 ({outs[0].returncode})")


def gnutls_client_case(args, ns, d, p, port, work):
    argv = ["gnutls-serv", "-p", str(port), "--echo", "--x509cafile", f"{d}/ca.pem",
            "--x509certfile", f"{d}/server.pem", "--x509keyfile", f"{d}/server.key", "--priority", gnutls_priority(p)]
    if p.get("mtls"):
        argv += ["--require-client-cert", "--verify-client-cert"]
    if p.get("resume") == "ticket":
        argv += ["--nodb"]  # no session cache: only a ticket can resume
    cli, peer_log = run_strata_client(args, ns, d, p, port, work, argv)
    check_strata_client(cli, p, MESSAGE.strip())
    if p.get("mtls"):
        check(re.search(r"client\.example\.org", peer_log) is not None, "gnutls-serv saw the client certificate")


def gnutls_server_case(args, ns, d, p, port, work):
    base = ["gnutls-cli", "-p", str(port), "127.0.0.1", "--sni-hostname", "localhost", "--verify-hostname",
            "localhost", "--x509cafile", f"{d}/ca.pem", "--priority", gnutls_priority(p)]
    if p.get("mtls"):
        base += ["--x509certfile", f"{d}/client.pem", "--x509keyfile", f"{d}/client.key"]
    count = 1
    if p.get("resume"):
        base += ["--resume"]
        count = 2
    if p.get("reneg"):
        base += ["--rehandshake"]
    feed = f"(printf {quote(MESSAGE)}; sleep 1.5)"
    outs, lines, text, srv_rc = run_peer_clients(args, ns, d, p, port, work, count, [(base, feed)])
    r = outs[0]
    out = r.stdout + r.stderr
    check(srv_rc == 0, f"Strata server exits 0 ({srv_rc})")
    check(len(lines) == count, f"Strata server completed {count} handshake(s)")
    expect_strata(lines[0], p, "client.example.org" if p.get("mtls") else None)
    check("(TLS1.2" in out, "gnutls-cli reports TLS1.2")
    check(f"({p['gcipher']})" in out, f"gnutls-cli reports {p['gcipher']}")
    check("The certificate is trusted" in out, "gnutls-cli trusted Strata's certificate")
    if p.get("reneg"):
        check("rehandshake" in out.lower(), "gnutls-cli tried to renegotiate")
        check("[100]" in out or "no renegotiation" in out.lower(), "gnutls-cli saw Strata's no_renegotiation alert")
        return
    check(r.returncode == 0, f"gnutls-cli exits 0 ({r.returncode})")
    check(MESSAGE.strip() in r.stdout, "the echo came back to gnutls-cli")
    if p.get("resume"):
        check("This is a resumed session" in out, "gnutls-cli reports a resumed session")
        expect_strata(lines[1], p, None, resumed=True)


def main():
    return matrix_main(CASES, "_tls12_", {("openssl", "client"): openssl_client_case,
                                          ("openssl", "server"): openssl_server_case,
                                          ("gnutls", "client"): gnutls_client_case,
                                          ("gnutls", "server"): gnutls_server_case})


if __name__ == "__main__":
    sys.exit(main())
