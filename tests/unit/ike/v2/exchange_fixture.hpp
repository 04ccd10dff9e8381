// exchange_fixture.hpp: two IKEv2 engines wired together in memory
// (strongSwan's exchange-test style): fixed random sources, one manual clock.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "ike/proposal.hpp"
#include "ike/v2/engine.hpp"

namespace strata::ike::v2::test {

inline packet::IpAddress addr(const char* s) { return *packet::IpAddress::parse(s); }

inline core::ByteView text(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// make_conn returns a PSK connection from `local` to `remote` (a null id:
// none configured).
inline ConnectionConfig make_conn(const char* local, const char* remote, const char* lid, const char* rid,
                                  const char* lts, const char* rts, const char* ike = "aes256-sha256-ecp256",
                                  const char* esp = "aes128gcm16", const char* psk = "test-psk-0123456789") {
    ConnectionConfig c;
    c.name = "c";
    c.local_address = addr(local);
    c.remote_address = addr(remote);
    if (lid != nullptr) c.local_id = *parse_identity(lid);
    if (rid != nullptr) c.remote_id = *parse_identity(rid);
    c.psk = core::SecretBytes(text(psk));
    c.ike_proposals = *parse_proposals(ike, ProposalUse::Ike);
    c.esp_proposals = *parse_proposals(esp, ProposalUse::Esp);
    c.local_ts = *parse_traffic_selectors(lts);
    c.remote_ts = *parse_traffic_selectors(rts);
    return c;
}

// Pair holds an initiator engine "a" (198.51.100.1) and a responder "b"
// (198.51.100.2) and carries datagrams between them.
struct Pair {
    crypto::SeededRandom rng_a{text("initiator")};
    crypto::SeededRandom rng_b{text("responder")};
    core::ManualClock clock;
    std::unique_ptr<Engine> a, b;
    std::vector<Event> events_a, events_b;
    std::deque<Datagram> to_a, to_b;
    // filter sees each datagram before delivery (to_b: from a); false drops it.
    std::function<bool(const Datagram&, bool to_b)> filter;
    std::size_t delivered = 0;

    explicit Pair(ConnectionConfig ca, ConnectionConfig cb, std::size_t cookie_threshold = 64) {
        start(std::move(ca), std::move(cb), cookie_threshold, false);
    }

protected:
    // Pair(wall, ...): the clock starts at `wall` and both engines read it
    // for certificate validity.
    Pair(core::WallTime wall, ConnectionConfig ca, ConnectionConfig cb, std::size_t cookie_threshold)
        : clock(wall) {
        start(std::move(ca), std::move(cb), cookie_threshold, true);
    }

public:
    void start(ConnectionConfig ca, ConnectionConfig cb, std::size_t cookie_threshold, bool wall) {
        EngineConfig ea;
        ea.connections.push_back(std::move(ca));
        EngineConfig eb;
        eb.connections.push_back(std::move(cb));
        eb.cookie_threshold = cookie_threshold;
        if (wall) {
            ea.wall_clock = &clock;
            eb.wall_clock = &clock;
        }
        a = std::make_unique<Engine>(std::move(ea), rng_a);
        b = std::make_unique<Engine>(std::move(eb), rng_b);
    }

    static Pair standard(const char* ike = "aes256-sha256-ecp256", const char* esp = "aes128gcm16") {
        return Pair(make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                              "192.0.2.0/24", "203.0.113.0/24", ike, esp),
                    make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                              "203.0.113.0/24", "192.0.2.0/24", ike, esp));
    }

    void take_a(Output o) {
        for (auto& d : o.datagrams) to_b.push_back(std::move(d));
        for (auto& e : o.events) events_a.push_back(std::move(e));
    }
    void take_b(Output o) {
        for (auto& d : o.datagrams) to_a.push_back(std::move(d));
        for (auto& e : o.events) events_b.push_back(std::move(e));
    }

    // Datagrams from a arrive at b addressed from a's endpoint; the local
    // and remote of a Datagram swap on the way.
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
};

template <class T>
std::vector<const T*> all_of(const std::vector<Event>& evs) {
    std::vector<const T*> v;
    for (const auto& e : evs)
        if (const auto* p = std::get_if<T>(&e)) v.push_back(p);
    return v;
}

}  // namespace strata::ike::v2::test
