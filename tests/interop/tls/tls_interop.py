#!/usr/bin/env python3
"""tls_interop.py: one TLS interop case between Strata and a real peer.

  tls_interop.py --strata PATH --shared DIR --workdir DIR --case PEER.ROLE_NAME

PEER is openssl or gnutls; ROLE is "client" (Strata's client against the
peer's server) or "server" (the peer's client against Strata's server); NAME
picks the parameters (see CASES). Every case runs inside a network namespace
of its own (private loopback, so fixed ports never clash under ctest -j) and
checks both sides: the handshake succeeds, application data makes the round
trip, and the negotiated version, suite, group, certificate, HelloRetryRequest
and resumption are what the case asked for, as reported by Strata and, where
the peer prints it, by the peer. "tshark" cases also capture the connection
and decrypt it with Strata's key log.
"""
import argparse
import os
import re
import subprocess
import sys
import time
import uuid

PORT = 44330

# name -> parameters. suite: IANA name; group: Strata/openssl group name;
# cert: rsa|ec; plus flags hrr, mtls, resume, tshark.
CASES = {
    "aes128gcm": dict(suite="TLS_AES_128_GCM_SHA256", group="X25519", cert="rsa"),
    "aes256gcm": dict(suite="TLS_AES_256_GCM_SHA384", group="X25519", cert="rsa"),
    "chacha20": dict(suite="TLS_CHACHA20_POLY1305_SHA256", group="X25519", cert="rsa"),
    "x25519": dict(suite="TLS_AES_128_GCM_SHA256", group="X25519", cert="ec"),
    "p256": dict(suite="TLS_AES_128_GCM_SHA256", group="P-256", cert="ec"),
    "rsa": dict(suite="TLS_AES_256_GCM_SHA384", group="P-256", cert="rsa"),
    "ecdsa": dict(suite="TLS_CHACHA20_POLY1305_SHA256", group="X25519", cert="ec"),
    "hrr": dict(suite="TLS_AES_128_GCM_SHA256", group="P-256", cert="ec", hrr=True),
    "mtls": dict(suite="TLS_AES_128_GCM_SHA256", group="X25519", cert="rsa", mtls=True),
    "mtls_ecdsa": dict(suite="TLS_AES_256_GCM_SHA384", group="P-256", cert="ec", mtls=True),
    "resume": dict(suite="TLS_AES_128_GCM_SHA256", group="X25519", cert="ec", resume=True),
    "tshark": dict(suite="TLS_AES_128_GCM_SHA256", group="X25519", cert="ec", tshark=True),
}

GNUTLS_CIPHER = {
    "TLS_AES_128_GCM_SHA256": "AES-128-GCM",
    "TLS_AES_256_GCM_SHA384": "AES-256-GCM",
    "TLS_CHACHA20_POLY1305_SHA256": "CHACHA20-POLY1305",
}
GNUTLS_GROUP = {"X25519": "GROUP-X25519", "P-256": "GROUP-SECP256R1", "P-384": "GROUP-SECP384R1"}
STRATA_GROUP = {"X25519": "x25519", "P-256": "secp256r1"}
MESSAGE = "hello from the interop test\n"


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def check(cond, what):
    if not cond:
        raise Failure(what)
    log(f"ok: {what}")


class Netns:
    def __init__(self):
        self.name = "stls-" + uuid.uuid4().hex[:10]

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], check=False)

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.name] + argv


def wait_listening(ns, port, proc, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise Failure(f"server exited early with {proc.returncode}")
        out = subprocess.run(ns.cmd(["ss", "-Hltn", f"sport = :{port}"]), capture_output=True, text=True).stdout
        if out.strip():
            return
        time.sleep(0.05)
    raise Failure("server never listened")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def strata_lines(stderr):
    return [l.split("connected: ", 1)[1] for l in stderr.splitlines() if "strata tls: connected: " in l]


def parse_line(line):
    fields = {}
    head, _, peer = line.partition(" peer=")
    for tok in head.split():
        k, _, v = tok.partition("=")
        fields[k] = v
    fields["peer"] = peer
    return fields


def expect_strata(line, p, peer_cn, resumed=False):
    f = parse_line(line)
    check(f["version"] == "TLSv1.3", f"Strata reports TLSv1.3 ({f['version']})")
    check(f["cipher"] == p["suite"], f"Strata reports {p['suite']} ({f['cipher']})")
    check(f["group"] == STRATA_GROUP[p["group"]], f"Strata reports group {STRATA_GROUP[p['group']]} ({f['group']})")
    check(f["resumed"] == ("yes" if resumed else "no"), f"Strata reports resumed={'yes' if resumed else 'no'}")
    if p.get("hrr") and not resumed:
        check(f["hello_retry"] == "yes", "Strata reports a HelloRetryRequest")
    if peer_cn is not None:
        check(f"CN={peer_cn}" in f["peer"], f"Strata reports peer CN={peer_cn} ({f['peer']})")


def strata_client_args(args, d, p, port, keylog=None):
    a = [args.strata, "tls", "client", f"127.0.0.1:{port}", "--ca", f"{d}/ca.pem", "--servername", "localhost",
         "--ciphers", p["suite"], "--wait", "1500"]
    groups = "X25519:P-256" if p.get("hrr") else p["group"]
    a += ["--groups", groups]
    if p.get("mtls"):
        a += ["--cert", f"{d}/client.pem", "--key", f"{d}/client.key"]
    if p.get("resume"):
        a += ["--reconnect", "2"]
    if keylog:
        a += ["--keylog", keylog]
    return a


def strata_server_args(args, d, p, port, count):
    a = [args.strata, "tls", "server", "--cert", f"{d}/server.pem", "--key", f"{d}/server.key", "--port", str(port),
         "--ciphers", p["suite"], "--groups", p["group"], "--count", str(count)]
    if p.get("mtls"):
        a += ["--ca", f"{d}/ca.pem", "--verify-client"]
    return a


# ---------------------------------------------------------------- openssl


def openssl_server(args, ns, d, p, port, work):
    naccept = 3 if p.get("resume") else 1
    a = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", str(naccept), "-rev",
         "-cert", f"{d}/server.pem", "-key", f"{d}/server.key", "-tls1_3", "-ciphersuites", p["suite"],
         "-groups", p["group"], "-keylogfile", f"{work}/peer.keylog"]
    if p.get("mtls"):
        a += ["-CAfile", f"{d}/ca.pem", "-Verify", "1", "-verify_return_error"]
    return a


def run_strata_client(args, ns, d, p, port, work, server_argv, reply_check, peer_log_checks):
    srv_out = open(f"{work}/peer-server.log", "w")
    srv = subprocess.Popen(ns.cmd(server_argv), stdin=subprocess.PIPE, stdout=srv_out, stderr=subprocess.STDOUT,
                           text=True)
    cap = None
    try:
        wait_listening(ns, port, srv)
        keylog = f"{work}/strata.keylog" if p.get("tshark") else None
        if p.get("tshark"):
            cap = start_capture(ns, work, port)
        cli = subprocess.run(ns.cmd(strata_client_args(args, d, p, port, keylog)), input=MESSAGE,
                             capture_output=True, text=True, timeout=60)
        log("--- strata client stderr ---\n" + cli.stderr + "--- stdout ---\n" + cli.stdout)
        if cap:
            stop_capture(ns, cap)
        check(cli.returncode == 0, f"Strata client exits 0 ({cli.returncode})")
        lines = strata_lines(cli.stderr)
        want = 3 if p.get("resume") else 1
        check(len(lines) == want, f"{want} connection(s) made")
        expect_strata(lines[0], p, "server.example.org")
        for extra in lines[1:]:
            expect_strata(extra, p, "server.example.org", resumed=True)
        reply_check(cli.stdout, want)
        if p.get("tshark"):
            check_tshark(work, port, keylog, cli.stdout)
    finally:
        stop(srv)
        srv_out.close()
    peer_log = open(f"{work}/peer-server.log").read()
    log("--- peer server log ---\n" + peer_log[-3000:])
    for pattern, what in peer_log_checks:
        check(re.search(pattern, peer_log) is not None, what)


def openssl_client_case(args, ns, d, p, port, work):
    reversed_msg = MESSAGE.rstrip("\n")[::-1]

    def reply(out, n):
        check(out.count(reversed_msg) == n, f"openssl s_server's reversed line came back {n} time(s)")

    checks = []
    if p.get("mtls"):
        checks.append((r"client\.example\.org", "openssl s_server saw the client certificate"))
    run_strata_client(args, ns, d, p, port, work, openssl_server(args, ns, d, p, port, work), reply, checks)


def serve_peer_clients(ns, work, port, server_argv, client_runs, client_timeout=60, server_timeout=20):
    """Runs a Strata server (server_argv, listening on port) while each peer client in client_runs
    ((argv, shell command whose output is the client's stdin), in turn) talks
    to it; returns the clients' results, the server's stderr and exit status."""
    srv_err = open(f"{work}/strata-server.log", "w")
    srv = subprocess.Popen(ns.cmd(server_argv), stdout=subprocess.DEVNULL, stderr=srv_err, text=True)
    try:
        wait_listening(ns, port, srv)
        outputs = []
        for argv, stdin_script in client_runs:
            r = subprocess.run(ns.cmd(["bash", "-c", stdin_script + " | " + " ".join(quote(x) for x in argv)]),
                               capture_output=True, text=True, timeout=client_timeout)
            log(f"--- {argv[0]} (exit {r.returncode}) ---\n" + r.stdout[-4000:] + r.stderr[-4000:])
            outputs.append(r)
        srv.wait(timeout=server_timeout)
        srv_rc = srv.returncode
    finally:
        stop(srv)
        srv_err.close()
    log_text = open(f"{work}/strata-server.log").read()
    log("--- strata server stderr ---\n" + log_text)
    return outputs, log_text, srv_rc


def run_peer_client(args, ns, d, p, port, work, count, client_runs):
    outputs, log_text, _ = serve_peer_clients(ns, work, port, strata_server_args(args, d, p, port, count), client_runs)
    return outputs, strata_lines(log_text)


def quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def openssl_server_case(args, ns, d, p, port, work):
    base = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-verify_hostname", "localhost", "-verify_return_error", "-CAfile", f"{d}/ca.pem", "-tls1_3",
            "-ciphersuites", p["suite"], "-groups", "X25519:P-256" if p.get("hrr") else p["group"]]
    if p.get("mtls"):
        base += ["-cert", f"{d}/client.pem", "-key", f"{d}/client.key"]
    feed = f"(printf {quote(MESSAGE)}; sleep 1.5)"
    if p.get("resume"):
        runs = [(base + ["-sess_out", f"{work}/sess.pem"], feed), (base + ["-sess_in", f"{work}/sess.pem"], feed)]
    else:
        runs = [(base + ["-brief"], feed)]
    outs, lines = run_peer_client(args, ns, d, p, port, work, len(runs), runs)
    for r in outs:
        check(r.returncode == 0, f"openssl s_client exits 0 ({r.returncode})")
        check(MESSAGE.strip() in r.stdout, "the echo came back to openssl s_client")
    if not p.get("resume"):
        err = outs[0].stderr
        check("Protocol version: TLSv1.3" in err, "openssl s_client reports TLSv1.3")
        check(f"Ciphersuite: {p['suite']}" in err, f"openssl s_client reports {p['suite']}")
        check("Verification: OK" in err, "openssl s_client verified Strata's certificate")
    check(len(lines) == len(runs), f"Strata server completed {len(runs)} handshake(s)")
    expect_strata(lines[0], p, "client.example.org" if p.get("mtls") else None)
    if p.get("hrr"):
        pass  # checked in expect_strata: the client sent an X25519 share, the server wants P-256
    if p.get("resume"):
        check("Reused, TLSv1.3" in outs[1].stdout, "openssl s_client reports the session reused")
        expect_strata(lines[1], p, None, resumed=True)


# ---------------------------------------------------------------- gnutls


def gnutls_priority(p, groups):
    g = "".join(f":+{GNUTLS_GROUP[x]}" for x in groups)
    return f"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+{GNUTLS_CIPHER[p['suite']]}:-GROUP-ALL{g}"


def gnutls_client_case(args, ns, d, p, port, work):
    argv = ["gnutls-serv", "-p", str(port), "--echo", "--x509cafile", f"{d}/ca.pem",
            "--x509certfile", f"{d}/server.pem", "--x509keyfile", f"{d}/server.key",
            "--priority", gnutls_priority(p, [p["group"]])]
    if p.get("mtls"):
        argv += ["--require-client-cert", "--verify-client-cert"]

    def reply(out, n):
        check(out.count(MESSAGE.strip()) == n, f"gnutls-serv echoed the line {n} time(s)")

    checks = []
    if p.get("mtls"):
        checks.append((r"client\.example\.org", "gnutls-serv saw the client certificate"))
    run_strata_client(args, ns, d, p, port, work, argv, reply, checks)


def gnutls_server_case(args, ns, d, p, port, work):
    # gnutls-cli sends key shares for its first two groups: list two the
    # server does not take before the one it does, so it must ask again.
    groups = ["X25519", "P-384", "P-256"] if p.get("hrr") else [p["group"]]
    base = ["gnutls-cli", "-p", str(port), "127.0.0.1", "--sni-hostname", "localhost", "--verify-hostname",
            "localhost", "--x509cafile", f"{d}/ca.pem", "--priority", gnutls_priority(p, groups)]
    if p.get("mtls"):
        base += ["--x509certfile", f"{d}/client.pem", "--x509keyfile", f"{d}/client.key"]
    if p.get("resume"):
        base += ["--resume"]
    feed = f"(printf {quote(MESSAGE)}; sleep 1.5)"
    count = 2 if p.get("resume") else 1
    outs, lines = run_peer_client(args, ns, d, p, port, work, count, [(base, feed)])
    r = outs[0]
    check(r.returncode == 0, f"gnutls-cli exits 0 ({r.returncode})")
    check(MESSAGE.strip() in r.stdout, "the echo came back to gnutls-cli")
    text = r.stdout + r.stderr
    check("(TLS1.3" in text, "gnutls-cli reports TLS1.3")
    check(f"({GNUTLS_CIPHER[p['suite']]})" in text, f"gnutls-cli reports {GNUTLS_CIPHER[p['suite']]}")
    check("The certificate is trusted" in text, "gnutls-cli trusted Strata's certificate")
    check(len(lines) == count, f"Strata server completed {count} handshake(s)")
    expect_strata(lines[0], p, "client.example.org" if p.get("mtls") else None)
    if p.get("resume"):
        check("This is a resumed session" in text, "gnutls-cli reports a resumed session")
        expect_strata(lines[1], p, None, resumed=True)


# ---------------------------------------------------------------- tshark


# The capture is made deterministic with marker datagrams: dumpcap captures
# "tcp port PORT or udp port MARK"; a marker sent before the connection must
# show up in the file before the client starts (the capture is live), and a
# marker sent after it must show up before dumpcap is stopped (every packet
# of the connection, captured earlier, is then in the file). dumpcap flushes
# its file about every 0.5 s while packets arrive. Decryption is offline.
MARK_PORT = 9


def _send_marker(ns, text):
    subprocess.run(ns.cmd(["bash", "-c", f"echo {text} > /dev/udp/127.0.0.1/{MARK_PORT}"]),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def _marker_seen(pcap, text):
    # The datagram's payload is stored verbatim in the capture file.
    if not os.path.exists(pcap):
        return False
    with open(pcap, "rb") as f:
        return text.encode() in f.read()


def _wait_marker(ns, proc, pcap, text, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        _send_marker(ns, text)
        time.sleep(0.2)
        if _marker_seen(pcap, text):
            return True
    return False


def start_capture(ns, work, port):
    pcap = f"{work}/cap.pcapng"
    if os.path.exists(pcap):
        os.remove(pcap)
    err = open(f"{work}/dumpcap.err", "w")
    proc = subprocess.Popen(ns.cmd(["dumpcap", "-q", "-i", "lo", "-w", pcap, "-f",
                                    f"tcp port {port} or udp port {MARK_PORT}"]),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    proc.pcap = pcap
    if _wait_marker(ns, proc, pcap, "strata-capture-start"):
        return proc
    stop(proc)
    raise Failure("dumpcap did not start capturing: " + open(f"{work}/dumpcap.err").read())


def stop_capture(ns, proc):
    seen = _wait_marker(ns, proc, proc.pcap, "strata-capture-end")
    proc.send_signal(2)  # SIGINT: dumpcap writes its last block and exits
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        stop(proc)
    if not seen:
        raise Failure("the capture never showed the end marker")


def check_tshark(work, port, keylog, reply):
    kl = open(keylog).read()
    for label in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                  "SERVER_TRAFFIC_SECRET_0"):
        check(label in kl, f"Strata's key log has {label}")
    r = subprocess.run(["tshark", "-r", f"{work}/cap.pcapng", "-d", f"tcp.port=={port},tls",
                        "-o", f"tls.keylog_file:{keylog}", "-Y", "data", "-T", "fields", "-e", "data.data"],
                       capture_output=True, text=True, timeout=60)
    log("--- tshark decrypted data ---\n" + r.stdout + r.stderr)
    hexes = "".join(r.stdout.split())
    check(MESSAGE.encode().hex() in hexes, "tshark decrypted the client's application data with Strata's key log")
    rev = (MESSAGE.rstrip("\n")[::-1]).encode().hex()
    check(rev in hexes, "tshark decrypted the server's answer too")


# ---------------------------------------------------------------- main


def interop_args():
    """The command line every TLS interop script takes."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--case", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    return args


def run_in_netns(case):
    """Runs case(ns) in a fresh network namespace, prints PASS or FAIL and
    returns the exit status."""
    try:
        with Netns() as ns:
            case(ns)
    except (Failure, subprocess.TimeoutExpired) as e:
        log(f"FAIL: {e}")
        return 1
    log("PASS")
    return 0


def matrix_main(cases, separator, handlers):
    """main for the matrix scripts: --case PEER.ROLE<separator>NAME runs
    cases[NAME] with handlers[(PEER, ROLE)], certificates from tls-certs.sh."""
    args = interop_args()
    peer, _, rest = args.case.partition(".")
    role, _, name = rest.partition(separator)
    p = cases[name]
    certs = os.path.join(args.workdir, "pki-" + p["cert"])
    subprocess.run(["bash", os.path.join(args.shared, "interop", "tls-certs.sh"), certs, p["cert"]], check=True,
                   stdout=subprocess.DEVNULL)
    handler = handlers[(peer, role)]
    return run_in_netns(lambda ns: handler(args, ns, certs, p, PORT, args.workdir))


def main():
    return matrix_main(CASES, "_", {("openssl", "client"): openssl_client_case,
                                    ("openssl", "server"): openssl_server_case,
                                    ("gnutls", "client"): gnutls_client_case,
                                    ("gnutls", "server"): gnutls_server_case})


if __name__ == "__main__":
    sys.exit(main())
