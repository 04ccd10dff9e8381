// auth_pair.hpp: two IKEv2 engines in memory for the certificate, cookie
// and fragmentation tests: exchange_fixture.hpp's Pair with a wall clock for
// certificate validity, and helpers for certificate connections.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "ike/v2/engine.hpp"
#include "unit/ike/v2/cert_fixture.hpp"
#include "unit/ike/v2/exchange_fixture.hpp"

namespace strata::ike::v2::test {

inline core::ByteView seed(std::string_view s) { return text(s); }

// conn returns a connection from local to remote with IDs and selectors;
// PSK unless certificates are added by the caller.
inline ConnectionConfig conn(const char* local, const char* remote, const char* lid, const char* rid,
                             const char* lts, const char* rts,
                             const char* ike = "aes128gcm16-prfsha256-x25519",
                             const char* esp = "aes128gcm16") {
    return make_conn(local, remote, lid, rid, lts, rts, ike, esp);
}

// use_cert makes c authenticate with leaf (signed by pki's CA) and trust trust_ca.
inline void use_cert(ConnectionConfig& c, const Pki::Leaf& leaf, const crypto::Certificate& trust_ca) {
    c.auth = AuthKind::PublicKey;
    c.local_certs = {leaf.cert};
    c.private_key = leaf.key;
    c.ca_certs = {trust_ca};
}

// AuthPair is Pair with the clock at test_time(), which both engines read
// for certificate validity.
struct AuthPair : Pair {
    AuthPair(ConnectionConfig ca, ConnectionConfig cb, std::size_t cookie_threshold = 64)
        : Pair(test_time(), std::move(ca), std::move(cb), cookie_threshold) {}

    // timers advances the clock to the next timer of either engine and runs it.
    void timers() {
        auto ta = a->next_timer();
        auto tb = b->next_timer();
        std::optional<core::Instant> t = ta;
        if (tb && (!t || *tb < *t)) t = tb;
        if (!t) return;
        if (*t > clock.now()) clock.advance(*t - clock.now());
        take_a(a->on_timer(clock.now()));
        take_b(b->on_timer(clock.now()));
        run();
    }
};

template <class T>
std::vector<const T*> events_of(const std::vector<Event>& evs) {
    return all_of<T>(evs);
}

}  // namespace strata::ike::v2::test
