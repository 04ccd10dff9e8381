// auth_pair.hpp: two IKEv2 engines in memory for the certificate, cookie
// and fragmentation tests: like exchange_fixture.hpp's Pair, with a wall
// clock for certificate validity and a hook on every datagram in flight
// (to drop, count or inspect it).
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "ike/proposal.hpp"
#include "ike/v2/engine.hpp"
#include "unit/ike/v2/cert_fixture.hpp"

namespace strata::ike::v2::test {

inline core::ByteView seed(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// conn returns a connection from local to remote with IDs and selectors;
// PSK unless certificates are added by the caller.
inline ConnectionConfig conn(const char* local, const char* remote, const char* lid, const char* rid,
                             const char* lts, const char* rts,
                             const char* ike = "aes128gcm16-prfsha256-x25519",
                             const char* esp = "aes128gcm16") {
    ConnectionConfig c;
    c.name = "c";
    c.local_address = *packet::IpAddress::parse(local);
    c.remote_address = *packet::IpAddress::parse(remote);
    if (lid != nullptr) c.local_id = *parse_identity(lid);
    if (rid != nullptr) c.remote_id = *parse_identity(rid);
    c.psk = core::SecretBytes(seed("test-psk-0123456789"));
    c.ike_proposals = *parse_proposals(ike, ProposalUse::Ike);
    c.esp_proposals = *parse_proposals(esp, ProposalUse::Esp);
    c.local_ts = *parse_traffic_selectors(lts);
    c.remote_ts = *parse_traffic_selectors(rts);
    return c;
}

// use_cert makes c authenticate with leaf (signed by pki's CA) and trust trust_ca.
inline void use_cert(ConnectionConfig& c, const Pki::Leaf& leaf, const crypto::Certificate& trust_ca) {
    c.auth = AuthKind::PublicKey;
    c.local_certs = {leaf.cert};
    c.private_key = leaf.key;
    c.ca_certs = {trust_ca};
}

// AuthPair is initiator "a" (198.51.100.1) and responder "b" (198.51.100.2).
struct AuthPair {
    crypto::SeededRandom rng_a{seed("initiator")};
    crypto::SeededRandom rng_b{seed("responder")};
    core::ManualClock clock{test_time()};
    std::unique_ptr<Engine> a, b;
    std::vector<Event> events_a, events_b;
    std::deque<Datagram> to_a, to_b;
    // filter sees each datagram before delivery (to_b: from a); false drops it.
    std::function<bool(const Datagram&, bool to_b)> filter;
    std::size_t delivered = 0;

    AuthPair(ConnectionConfig ca, ConnectionConfig cb, std::size_t cookie_threshold = 64) {
        EngineConfig ea;
        ea.connections.push_back(std::move(ca));
        ea.wall_clock = &clock;
        EngineConfig eb;
        eb.connections.push_back(std::move(cb));
        eb.cookie_threshold = cookie_threshold;
        eb.wall_clock = &clock;
        a = std::make_unique<Engine>(std::move(ea), rng_a);
        b = std::make_unique<Engine>(std::move(eb), rng_b);
    }

    void take_a(Output o) {
        for (auto& d : o.datagrams) to_b.push_back(std::move(d));
        for (auto& e : o.events) events_a.push_back(std::move(e));
    }
    void take_b(Output o) {
        for (auto& d : o.datagrams) to_a.push_back(std::move(d));
        for (auto& e : o.events) events_b.push_back(std::move(e));
    }
    static Datagram flip(Datagram d) {
        std::swap(d.local, d.remote);
        return d;
    }

    // run delivers queued datagrams until both queues are empty (bounded).
    void run(int max_steps = 200) {
        for (int i = 0; i < max_steps && (!to_a.empty() || !to_b.empty()); ++i) {
            if (!to_b.empty()) {
                auto d = std::move(to_b.front());
                to_b.pop_front();
                if (!filter || filter(d, true)) {
                    ++delivered;
                    take_b(b->receive(flip(std::move(d)), clock.now()));
                }
            }
            if (!to_a.empty()) {
                auto d = std::move(to_a.front());
                to_a.pop_front();
                if (!filter || filter(d, false)) {
                    ++delivered;
                    take_a(a->receive(flip(std::move(d)), clock.now()));
                }
            }
        }
    }

    void establish() {
        take_a(a->initiate("c", clock.now()));
        run();
    }

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
    std::vector<const T*> v;
    for (const auto& e : evs)
        if (const auto* p = std::get_if<T>(&e)) v.push_back(p);
    return v;
}

}  // namespace strata::ike::v2::test
