// cookie.hpp: ISAKMP cookies (RFC 2408 §2.5.3), the anti-clogging token.
//
// A cookie is the first 8 bytes of HMAC-SHA-256 under a local secret over
// the peer's address and port, the other side's cookie (for the responder)
// or a counter (for the initiator), and the time window it was made in. The
// secret is replaced at every window (rotation), and the previous one is
// kept, so a responder cookie verifies for one to two windows after it was
// made. Making and checking one costs one HMAC and stores nothing per peer:
// a responder can check that an MM3 comes from a peer that received its MM2
// before it spends a Diffie-Hellman exponentiation on it.
#pragma once

#include <cstdint>

#include "core/clock.hpp"
#include "core/secret.hpp"
#include "crypto/random.hpp"
#include "ike/child_sa.hpp"
#include "ike/v1/message.hpp"

namespace strata::ike::v1 {

class CookieJar {
public:
    // CookieJar(rng, window) draws its secrets from rng (which must outlive
    // it); a secret lives for one window.
    CookieJar(crypto::RandomSource& rng, core::Duration window);

    // initiator_cookie returns a fresh initiator cookie for peer (a counter
    // makes every call different).
    Cookie initiator_cookie(const Endpoint& peer, core::Instant now);
    // responder_cookie returns CKY-R for an MM1 from peer carrying cky_i; the
    // same inputs in the same window give the same cookie (a retransmitted
    // MM1 gets the same answer).
    Cookie responder_cookie(const Endpoint& peer, const Cookie& cky_i, core::Instant now);
    // verify_responder is true when cky_r is what responder_cookie gave, in
    // this window or the one before (compared in constant time).
    bool verify_responder(const Endpoint& peer, const Cookie& cky_i, const Cookie& cky_r, core::Instant now);

private:
    // rotate brings the secrets up to the window of now.
    void rotate(core::Instant now);
    Cookie compute(const core::SecretBytes& secret, std::uint64_t window, const Endpoint& peer,
                   core::ByteView other) const;

    crypto::RandomSource& rng_;
    core::Duration window_;
    std::uint64_t current_window_ = 0;
    bool started_ = false;
    core::SecretBytes current_;
    core::SecretBytes previous_;
    std::uint64_t counter_ = 0;
};

}  // namespace strata::ike::v1
