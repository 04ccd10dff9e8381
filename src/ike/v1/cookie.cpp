#include "ike/v1/cookie.hpp"

#include <array>

#include "core/writer.hpp"
#include "crypto/constant_time.hpp"
#include "crypto/mac.hpp"

namespace strata::ike::v1 {

namespace {
constexpr std::size_t kSecretLength = 32;
}

CookieJar::CookieJar(crypto::RandomSource& rng, core::Duration window) : rng_(rng), window_(window) {
    if (window_ <= core::Duration::zero()) window_ = std::chrono::seconds(60);
}

void CookieJar::rotate(core::Instant now) {
    const auto w = static_cast<std::uint64_t>(now.time_since_epoch() / window_);
    if (started_ && w == current_window_) return;
    auto fresh = [&] {
        core::SecretBytes s(kSecretLength);
        if (!rng_.fill(s.mutable_view())) s = core::SecretBytes(kSecretLength);  // zeros: still a keyed hash
        return s;
    };
    if (started_ && w == current_window_ + 1) {
        previous_ = std::move(current_);
    } else {
        previous_ = fresh();  // more than one window passed: old cookies are stale anyway
    }
    current_ = fresh();
    current_window_ = w;
    started_ = true;
}

Cookie CookieJar::compute(const core::SecretBytes& secret, std::uint64_t window, const Endpoint& peer,
                          core::ByteView other) const {
    // RFC 2408 §2.5.3: a hash over the peer's address and port, a local secret
    // and the time; here HMAC-SHA-256 keyed with the secret.
    core::Bytes in;
    core::Writer w(in);
    w.bytes(peer.address.bytes());
    w.u16(peer.port);
    w.bytes(other);
    w.u64(window);
    Cookie c{};
    auto mac = crypto::hmac(crypto::HashAlg::Sha256, secret, in);
    if (mac && mac->size() >= c.size()) std::copy_n(mac->begin(), c.size(), c.begin());
    if (is_zero(c)) c[0] = 1;  // the zero cookie means "none yet"
    return c;
}

Cookie CookieJar::initiator_cookie(const Endpoint& peer, core::Instant now) {
    rotate(now);
    std::array<std::uint8_t, 8> n{};
    const std::uint64_t v = ++counter_;
    for (std::size_t i = 0; i < 8; ++i) n[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
    return compute(current_, current_window_, peer, n);
}

Cookie CookieJar::responder_cookie(const Endpoint& peer, const Cookie& cky_i, core::Instant now) {
    rotate(now);
    return compute(current_, current_window_, peer, cky_i);
}

bool CookieJar::verify_responder(const Endpoint& peer, const Cookie& cky_i, const Cookie& cky_r,
                                 core::Instant now) {
    rotate(now);
    const Cookie a = compute(current_, current_window_, peer, cky_i);
    const Cookie b = compute(previous_, current_window_ - 1, peer, cky_i);
    const bool ok_a = crypto::constant_time_equal(a, cky_r);
    const bool ok_b = crypto::constant_time_equal(b, cky_r);
    return ok_a || ok_b;
}

}  // namespace strata::ike::v1
