// tls_options.hpp: what `strata tls client|server` options turn into: a
// tls::Config from PEM files and name lists, a key-log file, and the line
// that reports what a connection negotiated.
#pragma once

#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "tls/config.hpp"
#include "tls/connection.hpp"

namespace strata::apps {

// TlsToolOptions are the command-line options both tools share.
struct TlsToolOptions {
    std::string cert;  // PEM chain, leaf first
    std::string key;   // PEM private key
    std::string ca;    // PEM trust anchors
    bool verify_client = false;
    bool no_verify = false;  // client: accept any server certificate (testing only)
    bool tls12 = false;
    bool tls13 = false;
    std::string ciphers;
    std::string groups;
    std::string alpn;  // comma-separated
    std::string keylog;
};

// FileKeyLog appends NSS key-log lines to a file (thread-safe, flushed per line).
class FileKeyLog final : public tls::KeyLogSink {
public:
    explicit FileKeyLog(const std::string& path) : out_(path, std::ios::app) {}
    [[nodiscard]] bool ok() const { return out_.good(); }
    void log(std::string_view line) override;

private:
    std::mutex mu_;
    std::ofstream out_;
};

// build_tls_config makes the Config for a client (server == false) or a
// server from o; on failure returns null with *why set. The session cache
// uses clock, which must outlive the Config.
std::shared_ptr<tls::Config> build_tls_config(const TlsToolOptions& o, bool server, const core::Clock& clock,
                                              std::string* why);

// negotiated_line returns the one-line report of a connection:
// "version=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256 group=x25519
//  signature=ecdsa_secp256r1_sha256 alpn=h2 resumed=no hello_retry=no
//  sni=localhost peer=CN=server.example.org,O=..." (peer last: it may hold spaces).
std::string negotiated_line(const tls::Negotiated& n);

}  // namespace strata::apps
