// cmd_tls.cpp: `strata tls server` (echo, or a small HTTP page with --www)
// and `strata tls client` (sends standard input, prints the answer), both
// over the sans-IO tls::Connection through the blocking TlsStream edge.
// Each connection's negotiated parameters go to stderr as one line:
//   strata tls: connected: version=TLSv1.3 cipher=... group=... resumed=no ...
#include <fmt/core.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "apps/strata/commands.hpp"
#include "apps/strata/tls_options.hpp"
#include "apps/strata/tls_socket.hpp"
#include "crypto/random.hpp"

namespace strata::apps {

namespace {

struct ServerArgs {
    TlsToolOptions tls;
    std::uint16_t port = 4433;
    bool www = false;
    unsigned count = 0;  // 0: serve forever
};

struct ClientArgs {
    TlsToolOptions tls;
    std::string target;
    std::string servername;
    unsigned reconnect = 0;
    unsigned wait_ms = 1000;
};

void add_shared_options(CLI::App* cmd, TlsToolOptions& o) {
    cmd->add_option("--cert", o.cert, "PEM certificate chain, leaf first");
    cmd->add_option("--key", o.key, "PEM private key of the certificate");
    cmd->add_option("--ca", o.ca, "PEM trust anchors for the peer's chain");
    cmd->add_flag("--tls1.2", o.tls12, "TLS 1.2 only (default: TLS 1.2 and 1.3, 1.3 preferred)");
    cmd->add_flag("--tls1.3", o.tls13, "TLS 1.3 only");
    cmd->add_option("--ciphers", o.ciphers,
                    "cipher suites in preference order, ':' or ',' separated, IANA or OpenSSL names "
                    "(TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256)");
    cmd->add_option("--groups", o.groups, "key exchange groups in preference order (X25519:P-256:P-384)");
    cmd->add_option("--alpn", o.alpn, "ALPN protocols, comma separated (h2,http/1.1)");
    cmd->add_option("--keylog", o.keylog, "append NSS key-log lines here (default: $SSLKEYLOGFILE)");
}

[[noreturn]] void die(const std::string& msg) {
    fmt::print(stderr, "strata tls: {}\n", msg);
    throw ExitCode{2};
}

void serve_one(int fd, const std::shared_ptr<const tls::Config>& cfg, const core::Clock& clock, bool www) {
    auto conn = tls::Connection::server(cfg, clock, crypto::system_random());
    if (!conn) {
        fmt::print(stderr, "strata tls: connection failed: {}\n", tls::to_string(conn.error()));
        return;
    }
    TlsStream stream(fd, **conn);
    std::string why;
    if (!stream.handshake(&why)) {
        fmt::print(stderr, "strata tls: connection failed: {}\n", why);
        return;
    }
    fmt::print(stderr, "strata tls: connected: {}\n", negotiated_line((*conn)->negotiated()));
    std::string request;
    const auto idle_limit = std::chrono::seconds(30);
    auto last = std::chrono::steady_clock::now();
    for (;;) {
        core::Bytes data;
        bool eof = false;
        if (!stream.read(std::chrono::milliseconds(200), data, &eof, &why)) {
            fmt::print(stderr, "strata tls: connection failed: {}\n", why);
            return;
        }
        if (!data.empty()) {
            last = std::chrono::steady_clock::now();
            if (www) {
                request.append(data.begin(), data.end());
                if (request.find("\r\n\r\n") != std::string::npos ||
                    request.find("\n\n") != std::string::npos) {
                    const std::string body =
                        fmt::format("strata tls server\n{}\n", negotiated_line((*conn)->negotiated()));
                    const std::string page = fmt::format(
                        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{}",
                        body.size(), body);
                    if (!stream.write(
                            core::ByteView(reinterpret_cast<const std::uint8_t*>(page.data()), page.size()),
                            &why)) {
                        fmt::print(stderr, "strata tls: write failed: {}\n", why);
                        return;
                    }
                    break;
                }
            } else if (!stream.write(data, &why)) {
                fmt::print(stderr, "strata tls: write failed: {}\n", why);
                return;
            }
        }
        if (eof) break;
        if (std::chrono::steady_clock::now() - last > idle_limit) break;
    }
    stream.close();
    fmt::print(stderr, "strata tls: closed\n");
}

void run_server(const ServerArgs& a) {
    static const core::RealClock clock;
    std::string why;
    auto cfg = build_tls_config(a.tls, true, clock, &why);
    if (!cfg) die(why);
    int lfd = tcp_listen(a.port, &why);
    if (lfd < 0) die(why);
    fmt::print(stderr, "strata tls: listening on port {}\n", a.port);
    std::shared_ptr<const tls::Config> shared = cfg;
    for (unsigned served = 0; a.count == 0 || served < a.count; ++served) {
        int fd = ::accept(lfd, nullptr, nullptr);
        if (fd < 0) continue;
        serve_one(fd, shared, clock, a.www);
        ::close(fd);
    }
    ::close(lfd);
}

bool split_target(const std::string& t, std::string& host, std::string& port) {
    if (!t.empty() && t.front() == '[') {
        auto close = t.find(']');
        if (close == std::string::npos || close + 1 >= t.size() || t[close + 1] != ':') return false;
        host = t.substr(1, close - 1);
        port = t.substr(close + 2);
    } else {
        auto colon = t.rfind(':');
        if (colon == std::string::npos) return false;
        host = t.substr(0, colon);
        port = t.substr(colon + 1);
    }
    return !host.empty() && !port.empty();
}

void run_client(const ClientArgs& a) {
    static const core::RealClock clock;
    std::string host;
    std::string port;
    if (!split_target(a.target, host, port)) die("expected HOST:PORT");
    std::string why;
    auto cfg = build_tls_config(a.tls, false, clock, &why);
    if (!cfg) die(why);
    std::shared_ptr<const tls::Config> shared = cfg;
    const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const std::string name = a.servername.empty() ? host : a.servername;
    int failures = 0;
    for (unsigned i = 0; i <= a.reconnect; ++i) {
        int fd = tcp_connect(host, port, &why);
        if (fd < 0) die(why);
        auto conn = tls::Connection::client(shared, name, clock, crypto::system_random());
        if (!conn) die(std::string(tls::to_string(conn.error())));
        TlsStream stream(fd, **conn);
        if (!stream.handshake(&why)) {
            fmt::print(stderr, "strata tls: connection failed: {}\n", why);
            ::close(fd);
            ++failures;
            continue;
        }
        fmt::print(stderr, "strata tls: connected: {}\n", negotiated_line((*conn)->negotiated()));
        bool ok =
            input.empty() ||
            stream.write(core::ByteView(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()),
                         &why);
        // Read until the server closes or stays quiet for wait_ms (which also
        // lets its NewSessionTicket arrive for --reconnect).
        bool eof = false;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(a.wait_ms);
        while (ok && !eof) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) break;
            core::Bytes data;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
            if (!stream.read(left, data, &eof, &why)) {
                ok = false;
                break;
            }
            if (data.empty()) continue;
            deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(a.wait_ms);
            std::fwrite(data.data(), 1, data.size(), stdout);
            std::fflush(stdout);
        }
        if (!ok) {
            fmt::print(stderr, "strata tls: connection failed: {}\n", why);
            ++failures;
        }
        stream.close();
        ::close(fd);
    }
    if (failures != 0) throw ExitCode{1};
}

}  // namespace

void add_tls_command(CLI::App& app) {
    auto* tls_cmd = app.add_subcommand("tls", "TLS 1.3 client and server over the sans-IO tls::Connection");
    tls_cmd->require_subcommand(1);

    static ServerArgs server;
    auto* srv = tls_cmd->add_subcommand("server",
                                        "accept TLS connections; echo what arrives, or --www a status page");
    add_shared_options(srv, server.tls);
    srv->add_option("--port", server.port, "TCP port to listen on (default 4433)");
    srv->add_flag("--verify-client", server.tls.verify_client,
                  "require a client certificate chaining to --ca");
    srv->add_flag("--www", server.www,
                  "answer each request with an HTTP page naming the negotiated parameters");
    srv->add_option("--count", server.count, "exit after this many connections (default: serve forever)");
    srv->callback([] { run_server(server); });

    static ClientArgs client;
    auto* cli = tls_cmd->add_subcommand(
        "client", "connect, send standard input, print the answer and the negotiated parameters (stderr)");
    cli->add_option("target", client.target, "HOST:PORT ([v6addr]:PORT for IPv6)")->required();
    add_shared_options(cli, client.tls);
    cli->add_option("--servername", client.servername,
                    "name to send as SNI and check the certificate against");
    cli->add_option("--reconnect", client.reconnect, "make N more connections, resuming the session");
    cli->add_option("--wait", client.wait_ms,
                    "milliseconds to wait for more data before closing (default 1000)");
    cli->add_flag("--no-verify", client.tls.no_verify, "do not verify the server certificate (testing only)");
    cli->callback([] { run_client(client); });
}

}  // namespace strata::apps
