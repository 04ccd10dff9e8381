// demo_tls.hpp: the TLS act of `strata demo`: a throw-away PKI for B, a
// sans-IO tls::Connection on A and on B, their bytes framed in TCP
// segments that cross the IPsec tunnel, and an NSS key log for Wireshark.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "tls/config.hpp"

namespace strata::apps::demo {

// TlsKeyLog appends NSS key-log lines to a file (DIR/sslkeylog.txt).
class TlsKeyLog final : public tls::KeyLogSink {
public:
    static std::shared_ptr<TlsKeyLog> open(const std::string& path);
    void log(std::string_view line) override;
    [[nodiscard]] std::size_t lines() const;

private:
    mutable std::mutex mu_;
    std::ofstream f_;
    std::size_t lines_ = 0;
};

// TlsPki is a CA and B's certificate (b.example.org, 198.51.100.20), made at run time.
struct TlsPki {
    std::shared_ptr<crypto::PrivateKey> server_key;
    std::vector<crypto::Certificate> chain;
    std::shared_ptr<crypto::TrustStore> trust;
    std::string error;  // why make failed

    // make returns the PKI, or one with only `error` set.
    static std::optional<TlsPki> make(core::WallTime now, std::string* why = nullptr);
};

// TlsResult is what one connection showed.
struct TlsResult {
    std::string error;  // empty: it worked
    std::string version, suite, group, peer;
    bool resumed = false;         // client side
    bool server_resumed = false;  // server side
    bool verified = false;        // the client verified B's chain and name
    bool echo_ok = false;         // the request and answer arrived intact
};

class TlsStage {
public:
    // Carry moves one IPv4 packet from A to B (a_to_b) or back through the
    // gateways and returns the packet delivered (nullopt: dropped).
    using Carry = std::function<std::optional<core::Bytes>(bool a_to_b, core::ByteView ip)>;
    using Say = std::function<void(const std::string&)>;

    TlsStage(const TlsPki& pki, const core::Clock& clock, crypto::RandomSource& rng,
             std::shared_ptr<TlsKeyLog> keylog);

    // connect runs one TCP connection from A's port sport to B:443 with a TLS
    // 1.3 handshake, one request and answer, and close_notify both ways.
    TlsResult connect(std::uint16_t sport, const Carry& carry, const Say& say);

private:
    const core::Clock& clock_;
    crypto::RandomSource& rng_;
    std::shared_ptr<tls::Config> client_;
    std::shared_ptr<tls::Config> server_;
};

}  // namespace strata::apps::demo
