#!/usr/bin/env python3
"""tls12_ed25519_interop.py: TLS 1.2 with an Ed25519 certificate (RFC 8422 §5.1,
signature algorithm ed25519 = 0x0807) between Strata and OpenSSL.

  tls12_ed25519_interop.py --strata PATH --shared DIR --workdir DIR --case openssl.ROLE_tls12_ed25519

ROLE "client": Strata's client against openssl s_server holding the Ed25519
certificate; "server": openssl s_client against Strata's server holding it.
Suite ECDHE-ECDSA-AES128-GCM-SHA256 over X25519. Both sides must report
TLS 1.2, the suite, the extended master secret and, on Strata's client side,
the ed25519 ServerKeyExchange signature; the echo must come back.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tls_interop import (MESSAGE, PORT, check, interop_args, parse_line, run_in_netns,  # noqa: E402
                         strata_lines)
from tls12_interop import (check_strata_client, expect_strata, openssl_server_argv,  # noqa: E402
                           run_peer_clients, run_strata_client)

P = dict(ossl="ECDHE-ECDSA-AES128-GCM-SHA256", iana="TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", cert="ed25519",
         group="X25519")


def make_pki(out):
    """CA and server certificate, all Ed25519 (what tls-certs.sh makes, other key type)."""
    if all(os.path.exists(os.path.join(out, f)) for f in ("ca.pem", "server.pem", "server.key")):
        return
    os.makedirs(out, exist_ok=True)

    def run(*argv):
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    with tempfile.TemporaryDirectory() as t:
        run("openssl", "genpkey", "-algorithm", "ED25519", "-out", f"{t}/ca.key")
        run("openssl", "req", "-x509", "-new", "-key", f"{t}/ca.key", "-days", "30", "-subj",
            "/O=interop-test/CN=Interop Ed25519 CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
            "keyUsage=critical,keyCertSign,cRLSign", "-out", f"{t}/ca.pem")
        run("openssl", "genpkey", "-algorithm", "ED25519", "-out", f"{t}/server.key")
        run("openssl", "req", "-new", "-key", f"{t}/server.key", "-subj", "/O=interop-test/CN=server.example.org",
            "-out", f"{t}/server.csr")
        with open(f"{t}/server.ext", "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                    "subjectAltName=DNS:localhost,DNS:server.example.org,IP:127.0.0.1\n")
        run("openssl", "x509", "-req", "-in", f"{t}/server.csr", "-CA", f"{t}/ca.pem", "-CAkey", f"{t}/ca.key",
            "-CAcreateserial", "-days", "30", "-extfile", f"{t}/server.ext", "-out", f"{t}/server.pem")
        run("openssl", "verify", "-CAfile", f"{t}/ca.pem", f"{t}/server.pem")
        for name in ("ca.pem", "server.pem", "server.key"):
            with open(f"{t}/{name}", "rb") as src, open(os.path.join(out, name), "wb") as dst:
                dst.write(src.read())
        os.chmod(os.path.join(out, "server.key"), 0o600)


def client_case(args, ns, d, work):
    cli, peer_log = run_strata_client(args, ns, d, P, PORT, work, openssl_server_argv(d, P, PORT, 1))
    check_strata_client(cli, P, MESSAGE.rstrip("\n")[::-1])
    f = parse_line(strata_lines(cli.stderr)[0])
    check(f["signature"] == "ed25519", f"Strata reports the ed25519 ServerKeyExchange signature ({f['signature']})")
    check(f"Ciphersuite: {P['ossl']}" in peer_log, f"openssl s_server reports {P['ossl']}")
    check("Protocol version: TLSv1.2" in peer_log, "openssl s_server reports TLSv1.2")


def server_case(args, ns, d, work):
    base = ["openssl", "s_client", "-connect", f"127.0.0.1:{PORT}", "-servername", "localhost",
            "-verify_hostname", "localhost", "-verify_return_error", "-CAfile", f"{d}/ca.pem", "-tls1_2",
            "-cipher", P["ossl"], "-groups", "X25519", "-sigalgs", "ed25519"]
    feed = f"(printf '{MESSAGE.rstrip()}\\n'; sleep 1.5)"
    outs, lines, _, srv_rc = run_peer_clients(args, ns, d, P, PORT, work, 1, [(base, feed)])
    out = outs[0].stdout
    check(srv_rc == 0, f"Strata server exits 0 ({srv_rc})")
    check(len(lines) == 1, "Strata server completed 1 handshake")
    expect_strata(lines[0], P, None)
    check(outs[0].returncode == 0, f"openssl s_client exits 0 ({outs[0].returncode})")
    check(MESSAGE.strip() in out, "the echo came back to openssl s_client")
    check(f"Cipher is {P['ossl']}" in out, f"openssl s_client reports {P['ossl']}")
    check("Protocol  : TLSv1.2" in out, "openssl s_client reports TLSv1.2")
    check("peer signature type: ed25519" in out.lower(), "openssl s_client reports the Ed25519 signature")
    check("Verify return code: 0 (ok)" in out, "openssl s_client verified Strata's Ed25519 certificate")


def main():
    args = interop_args()
    handler = {"openssl.client_tls12_ed25519": client_case, "openssl.server_tls12_ed25519": server_case}[args.case]
    certs = os.path.join(args.workdir, "pki-ed25519")
    make_pki(certs)
    return run_in_netns(lambda ns: handler(args, ns, certs, args.workdir))


if __name__ == "__main__":
    sys.exit(main())
