// cookie.hpp: the responder's stateless COOKIE (RFC 7296 §2.6).
//
// Under load a responder answers IKE_SA_INIT requests with a COOKIE notify
// instead of creating state; only a request that echoes a valid cookie
// proceeds. The cookie is <VersionIDofSecret> | Hash(Ni | IPi | SPIi |
// <secret>) (§2.6), so nothing is stored per request: the responder
// recomputes it. The secret is replaced every `lifetime`; cookies made with
// the previous secret are still accepted until the next replacement, so a
// cookie handed out just before a change still works.
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/random.hpp"
#include "packet/address.hpp"

namespace strata::ike::v2 {

// kCookieLength is the length of the cookies made here: a 4-byte secret
// version and a SHA-256 hash (§2.6 allows 1 to 64 bytes).
inline constexpr std::size_t kCookieLength = 4 + 32;

// CookieJar makes and checks cookies. Not thread-safe (one per engine).
class CookieJar {
public:
    // CookieJar(rng, lifetime): secrets are drawn from rng when first needed
    // and then every lifetime.
    CookieJar(crypto::RandomSource& rng, core::Duration lifetime) : rng_(rng), lifetime_(lifetime) {}

    // make returns the cookie for an IKE_SA_INIT request with nonce ni from
    // address ip with initiator SPI spi_i, under the current secret.
    core::Result<core::Bytes> make(core::ByteView ni, const packet::IpAddress& ip, std::uint64_t spi_i,
                                   core::Instant now);

    // check is true if cookie is what make would return now or would have
    // returned under the previous secret (compared in constant time).
    bool check(core::ByteView cookie, core::ByteView ni, const packet::IpAddress& ip, std::uint64_t spi_i,
               core::Instant now);

    // version returns the current secret's version (for tests and logs).
    [[nodiscard]] std::uint32_t version() const noexcept { return current_ ? current_->version : 0; }

private:
    struct Secret {
        std::uint32_t version = 0;
        core::SecretBytes bytes;
    };
    core::Status rotate(core::Instant now);
    static core::Result<core::Bytes> compute(const Secret& s, core::ByteView ni, const packet::IpAddress& ip,
                                             std::uint64_t spi_i);

    crypto::RandomSource& rng_;
    core::Duration lifetime_;
    std::optional<Secret> current_;
    std::optional<Secret> previous_;
    core::Instant changed_at_{};
};

}  // namespace strata::ike::v2
