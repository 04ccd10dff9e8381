// harness.hpp: two IKEv1 engines wired together in memory, with time.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/random.hpp"
#include "ike/proposal.hpp"
#include "ike/v1/engine.hpp"

namespace strata::ike::v1::test {

inline packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

// kA / kB are the two gateways (documentation addresses).
inline const char* const kA = "192.0.2.1";
inline const char* const kB = "198.51.100.2";

// make_connection returns a PSK connection from local to remote.
inline Connection make_connection(const char* local, const char* remote, const char* ike, const char* esp,
                                  const char* local_net, const char* remote_net,
                                  const char* psk = "lecture-psk") {
    Connection c;
    c.base.name = "lan";
    c.base.local_address = ip(local);
    c.base.remote_address = ip(remote);
    c.base.local_id = *parse_identity(local);
    c.base.remote_id = *parse_identity(remote);
    const std::string k(psk);
    c.base.psk = core::SecretBytes(core::ByteView(reinterpret_cast<const std::uint8_t*>(k.data()), k.size()));
    c.base.ike_proposals = *parse_proposals(ike, ProposalUse::Ike);
    c.base.esp_proposals = *parse_proposals(esp, ProposalUse::Esp);
    c.base.local_ts = *parse_traffic_selectors(local_net);
    c.base.remote_ts = *parse_traffic_selectors(remote_net);
    c.base.retransmit.initial = std::chrono::seconds(1);
    c.base.retransmit.backoff = 1.5;
    c.base.retransmit.tries = 8;
    return c;
}

// Side is one engine with what it reported.
struct Side {
    explicit Side(std::uint8_t seed) : rng(core::Bytes{seed, 0x11}) {}
    crypto::SeededRandom rng;
    std::unique_ptr<Engine> engine;
    std::vector<Event> events;
    template <typename T>
    std::size_t count() const {
        std::size_t n = 0;
        for (const auto& e : events) n += std::holds_alternative<T>(e) ? 1 : 0;
        return n;
    }
    template <typename T>
    const T* last() const {
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            if (const T* p = std::get_if<T>(&*it)) return p;
        return nullptr;
    }
};

// Pair runs two engines against each other.
class Pair {
public:
    // wall, if set, is both engines' calendar clock (certificate validity).
    Pair(Connection conn_a, Connection conn_b, std::uint8_t seed = 1, const core::Clock* wall = nullptr)
        : a(seed), b(static_cast<std::uint8_t>(seed + 100)) {
        EngineConfig ca;
        ca.connections.push_back(std::move(conn_a));
        ca.wall_clock = wall;
        EngineConfig cb;
        cb.connections.push_back(std::move(conn_b));
        cb.wall_clock = wall;
        this->a.engine = std::make_unique<Engine>(std::move(ca), this->a.rng);
        this->b.engine = std::make_unique<Engine>(std::move(cb), this->b.rng);
        now += std::chrono::hours(1000);
    }

    // take queues an engine's datagrams and keeps its events.
    void take(Output o, bool from_a) {
        for (auto& d : o.datagrams) {
            sent.push_back(d);
            (from_a ? to_b : to_a).push_back(std::move(d));
        }
        for (auto& e : o.events) (from_a ? a : b).events.push_back(std::move(e));
    }

    // pump delivers everything in flight (and what it causes).
    void pump() {
        for (int guard = 0; guard < 10000 && (!to_a.empty() || !to_b.empty()); ++guard) {
            const bool to_b_first = !to_b.empty();
            std::deque<Datagram>& q = to_b_first ? to_b : to_a;
            Datagram d = std::move(q.front());
            q.pop_front();
            if (drop && drop(d, to_b_first)) continue;
            if (rewrite) rewrite(d, to_b_first);
            Side& dst = to_b_first ? b : a;
            std::swap(d.local, d.remote);  // as the receiver sees it
            take(dst.engine->receive(d, now), !to_b_first);
        }
    }

    // run advances time through every timer up to `for_how_long` from now.
    void run(core::Duration for_how_long) {
        const core::Instant end = now + for_how_long;
        pump();
        for (int guard = 0; guard < 100000; ++guard) {
            auto ta = a.engine->next_timer();
            auto tb = b.engine->next_timer();
            std::optional<core::Instant> t = ta;
            if (tb && (!t || *tb < *t)) t = tb;
            if (!t || *t > end) break;
            // A timer that stays due after on_timer ran would spin a real
            // event loop: count the calls that did not move time forward.
            if (*t > now) {
                now = *t;
                same_time = 0;
            } else if (++same_time > 1000) {
                stalled = true;
                break;
            }
            take(a.engine->on_timer(now), true);
            take(b.engine->on_timer(now), false);
            pump();
        }
        if (now < end) now = end;
    }

    core::Instant now{};
    Side a;
    Side b;
    std::deque<Datagram> to_a;
    std::deque<Datagram> to_b;
    std::vector<Datagram> sent;  // everything either side sent, in order
    bool stalled = false;        // next_timer() kept returning a time already handled
    int same_time = 0;
    // drop, if set, is asked for every datagram (to_b: direction a -> b).
    std::function<bool(const Datagram&, bool to_b)> drop;
    // rewrite, if set, changes a datagram's addresses in flight (a NAT).
    std::function<void(Datagram&, bool to_b)> rewrite;
};

}  // namespace strata::ike::v1::test
