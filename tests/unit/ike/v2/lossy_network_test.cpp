// A simulated network between two IKEv2 engines: seeded loss (0-30 %),
// duplication and reordering. Over 200 seeds, establishment, a CHILD SA
// rekey and an IKE SA rekey either end with both sides holding the same IKE
// SA and CHILD SAs with the same keys, or with both sides holding nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "ike/v2/engine.hpp"
#include "unit/ike/v2/exchange_fixture.hpp"

namespace strata::ike::v2::test {
namespace {

struct Flight {
    core::Instant at;
    bool to_b = false;
    Datagram d;
};

// Net delays every datagram by 1-250 ms (so they overtake each other),
// drops a share `loss` and sends a share `dup` twice.
class Net {
public:
    explicit Net(std::uint64_t seed) : rng_(seed) {}
    double loss = 0;
    double dup = 0;
    std::vector<Flight> flights;

    void send(bool to_b, const std::vector<Datagram>& ds, core::Instant now) {
        for (const auto& d : ds) {
            if (chance(loss)) continue;
            const int copies = chance(dup) ? 2 : 1;
            for (int i = 0; i < copies; ++i) {
                const auto delay = std::chrono::milliseconds(1 + static_cast<int>(rng_() % 250));
                flights.push_back({now + delay, to_b, Pair::flip(d)});
            }
        }
    }
    [[nodiscard]] std::optional<core::Instant> next() const {
        std::optional<core::Instant> t;
        for (const auto& f : flights)
            if (!t || f.at < *t) t = f.at;
        return t;
    }

private:
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    std::mt19937_64 rng_;
};

ConnectionConfig conn(bool a) {
    auto c =
        a ? make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", "192.0.2.0/24",
                      "203.0.113.0/24", "aes128gcm16-prfsha256-x25519", "aes128gcm16-x25519")
          : make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                      "203.0.113.0/24", "192.0.2.0/24", "aes128gcm16-prfsha256-x25519", "aes128gcm16-x25519");
    c.dpd_interval = std::chrono::seconds(30);
    return c;
}

struct Outcome {
    bool up = false;
    std::size_t child_rekeys = 0;
    std::size_t ike_rekeys = 0;
};

// run_seed plays one run; ::testing failures name the seed.
Outcome run_seed(std::uint64_t seed) {
    const std::string sa = "a" + std::to_string(seed), sb = "b" + std::to_string(seed);
    crypto::SeededRandom ra{text(sa)}, rb{text(sb)};
    EngineConfig ea, eb;
    ea.connections.push_back(conn(true));
    eb.connections.push_back(conn(false));
    Engine a(std::move(ea), ra), b(std::move(eb), rb);
    core::ManualClock clock;
    Net net(seed);
    net.loss = static_cast<double>(seed % 31) / 100.0;  // 0 .. 30 %
    net.dup = 0.1;
    const auto t0 = clock.now();
    std::vector<Event> ev_a, ev_b;
    auto take = [&](bool from_a, Output o) {
        net.send(from_a, o.datagrams, clock.now());
        auto& ev = from_a ? ev_a : ev_b;
        for (auto& e : o.events) ev.push_back(std::move(e));
    };
    take(true, a.initiate("c", clock.now()));
    bool child_rekey_asked = false, ike_rekey_asked = false;
    const auto child_rekey_at = t0 + std::chrono::seconds(40);
    const auto ike_rekey_at = t0 + std::chrono::milliseconds(40100);  // crosses the CHILD rekey
    const auto heal_at = t0 + std::chrono::seconds(150);
    const auto end = t0 + std::chrono::seconds(600);
    for (int steps = 0; steps < 200000; ++steps) {
        std::optional<core::Instant> t = net.next();
        auto consider = [&](std::optional<core::Instant> x) {
            if (x && (!t || *x < *t)) t = x;
        };
        consider(a.next_timer());
        consider(b.next_timer());
        if (!child_rekey_asked) consider(child_rekey_at);
        if (!ike_rekey_asked) consider(ike_rekey_at);
        if (!t || *t > end) break;
        if (*t > clock.now()) clock.advance(*t - clock.now());
        const auto now = clock.now();
        if (now >= heal_at) net.loss = net.dup = 0;  // the network heals: leftovers must settle
        if (!child_rekey_asked && now >= child_rekey_at) {
            child_rekey_asked = true;
            auto cs = a.children();
            if (!cs.empty()) take(true, a.rekey_child(cs.front().spi_in, now));
        }
        if (!ike_rekey_asked && now >= ike_rekey_at) {
            ike_rekey_asked = true;
            take(false, b.rekey_ike("c", now));
        }
        // Deliver everything due now, in arrival order.
        std::stable_sort(net.flights.begin(), net.flights.end(),
                         [](const Flight& x, const Flight& y) { return x.at < y.at; });
        std::vector<Flight> due;
        while (!net.flights.empty() && net.flights.front().at <= now) {
            due.push_back(std::move(net.flights.front()));
            net.flights.erase(net.flights.begin());
        }
        for (auto& f : due) {
            if (f.to_b) {
                take(false, b.receive(f.d, now));
            } else {
                take(true, a.receive(f.d, now));
            }
        }
        if (a.next_timer() && *a.next_timer() <= now) take(true, a.on_timer(now));
        if (b.next_timer() && *b.next_timer() <= now) take(false, b.on_timer(now));
    }
    if (std::getenv("SIM_DEBUG") != nullptr && std::to_string(seed) == std::getenv("SIM_DEBUG")) {
        for (int side = 0; side < 2; ++side) {
            const auto& ev = side == 0 ? ev_a : ev_b;
            for (const auto& e : ev) {
                std::printf("%c %s", side == 0 ? 'a' : 'b', std::string(event_name(e)).c_str());
                if (auto* r = std::get_if<ChildSaRekeyed>(&e))
                    std::printf(" old %08x new %08x", r->old_spi_in, r->child.spi_in);
                if (auto* r = std::get_if<ChildSaUp>(&e))
                    std::printf(" %08x/%08x", r->child.spi_in, r->child.spi_out);
                if (auto* r = std::get_if<ChildSaDown>(&e))
                    std::printf(" %08x %s", r->spi_in, r->reason.c_str());
                if (auto* r = std::get_if<ChildSaFailed>(&e)) std::printf(" %s", r->reason.c_str());
                if (auto* r = std::get_if<IkeSaDown>(&e)) std::printf(" %s", r->reason.c_str());
                std::printf("\n");
            }
            for (const auto& c : (side == 0 ? a : b).children())
                std::printf("%c child %08x/%08x rekeying %d\n", side == 0 ? 'a' : 'b', c.spi_in, c.spi_out,
                            c.rekeying);
        }
    }
    Outcome o;
    auto established = [](const Engine& e) {
        std::vector<IkeInfo> v;
        for (auto& i : e.ike_sas())
            if (i.established) v.push_back(i);
        return v;
    };
    const auto ia = established(a);
    const auto ib = established(b);
    EXPECT_EQ(ia.size(), ib.size()) << "seed " << seed;
    EXPECT_LE(ia.size(), 1U) << "seed " << seed;
    if (ia.size() != 1 || ib.size() != 1) {
        // Given up: both sides hold nothing at all, no CHILD SA either.
        EXPECT_TRUE(a.children().empty()) << "seed " << seed;
        EXPECT_TRUE(b.children().empty()) << "seed " << seed;
        return o;
    }
    EXPECT_EQ(ia[0].id, ib[0].id) << "seed " << seed;
    const auto ka = a.key_log(), kb = b.key_log();
    auto ca = a.children(), cb = b.children();
    EXPECT_EQ(ca.size(), cb.size()) << "seed " << seed;
    EXPECT_LE(ca.size(), 1U) << "seed " << seed;
    for (const auto& x : ca) {
        EXPECT_FALSE(x.rekeying) << "seed " << seed;
        auto it =
            std::find_if(cb.begin(), cb.end(), [&](const ChildInfo& y) { return y.spi_in == x.spi_out; });
        if (it == cb.end()) {
            ADD_FAILURE() << "seed " << seed << ": CHILD SA only on a";
            continue;
        }
        EXPECT_EQ(x.spi_in, it->spi_out) << "seed " << seed;
        EXPECT_EQ(x.keymat_in, it->keymat_out) << "seed " << seed;
        EXPECT_EQ(x.keymat_out, it->keymat_in) << "seed " << seed;
        EXPECT_EQ(x.ike, ia[0].id) << "seed " << seed;
    }
    for (const auto& x : ka) {
        for (const auto& y : kb) {
            if (x.id == y.id) {
                EXPECT_EQ(x.sk_d, y.sk_d) << "seed " << seed;
            }
        }
    }
    o.up = true;
    o.child_rekeys = std::count_if(ev_a.begin(), ev_a.end(),
                                   [](const Event& e) { return std::holds_alternative<ChildSaRekeyed>(e); });
    o.ike_rekeys = std::count_if(ev_a.begin(), ev_a.end(),
                                 [](const Event& e) { return std::holds_alternative<IkeSaRekeyed>(e); });
    return o;
}

TEST(IkeV2LossyNetwork, TwoHundredSeedsConvergeOrBothGiveUp) {
    std::size_t up = 0, child_rekeyed = 0, ike_rekeyed = 0;
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
        const Outcome o = run_seed(seed);
        up += o.up ? 1 : 0;
        child_rekeyed += o.child_rekeys > 0 ? 1 : 0;
        ike_rekeyed += o.ike_rekeys > 0 ? 1 : 0;
    }
    // Most runs survive the loss, and the rekeys really ran in most of them.
    EXPECT_GT(up, 150U);
    EXPECT_GT(child_rekeyed, 100U);
    EXPECT_GT(ike_rekeyed, 100U);
    std::printf("lossy network: %zu/200 up, %zu with a CHILD rekey, %zu with an IKE rekey\n", up,
                child_rekeyed, ike_rekeyed);
}

}  // namespace
}  // namespace strata::ike::v2::test
