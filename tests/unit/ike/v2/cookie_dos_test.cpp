// Denial-of-service test of the responder COOKIE (RFC 7296 §2.6): thousands
// of IKE_SA_INIT requests from spoofed addresses, SPIs and nonces make the
// responder answer statelessly with cookies; its state stays bounded and a
// legitimate initiator (which echoes the cookie) still gets its SA.
#include <gtest/gtest.h>

#include "core/writer.hpp"
#include "ike/v2/message.hpp"
#include "ike/v2/negotiation.hpp"
#include "unit/ike/v2/auth_pair.hpp"

namespace strata::ike::v2::test {
namespace {

constexpr std::size_t kThreshold = 16;
constexpr std::size_t kFlood = 4000;

// spoofed returns an IKE_SA_INIT request from a made-up address and SPI
// with a made-up nonce and X25519 public value.
Datagram spoofed(crypto::RandomSource& rng, const ConnectionConfig& c, std::uint32_t n) {
    core::Bytes spi(8), nonce(32), ke(32);
    (void)rng.fill(spi);
    (void)rng.fill(nonce);
    (void)rng.fill(ke);
    Header h;
    core::Reader r(spi);
    h.spi_i = *r.u64();
    h.exchange = ExchangeType::IkeSaInit;
    h.flags = kFlagInitiator;
    std::vector<RawPayload> pl;
    pl.push_back(
        RawPayload{PayloadType::SA, false, encode_sa(to_wire(c.ike_proposals, ProtocolId::Ike, {}))});
    pl.push_back(RawPayload{PayloadType::KE, false, encode_ke({31, ke})});
    pl.push_back(RawPayload{PayloadType::Nonce, false, nonce});
    Datagram d;
    // Spoofed sources all over 203.0.113.0/24 and 2001:db8::/32 (the
    // responder's connection matches its configured peer only, so the
    // flood comes "from" that peer address with ever-new SPIs, plus
    // others that no connection matches).
    d.remote = {c.remote_address, static_cast<std::uint16_t>(1024 + n % 50000)};
    d.local = {c.local_address, 500};
    d.data = encode_plain(h, pl);
    return d;
}

std::size_t cookies_in(const Output& o) {
    std::size_t n = 0;
    for (const auto& d : o.datagrams) {
        auto m = parse_message(d.data);
        if (!m) continue;
        auto ns = find_notifies(m->payloads);
        if (!ns) continue;
        for (const auto& x : *ns) n += x.type == NotifyType::Cookie ? 1 : 0;
    }
    return n;
}

TEST(IkeV2CookieDos, FloodSwitchesToCookiesStateStaysBoundedAndARealPeerGetsIn) {
    auto ca = conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", "192.0.2.0/24",
                   "203.0.113.0/24");
    auto cb = conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org", "203.0.113.0/24",
                   "192.0.2.0/24");
    auto attacker_conn = conn("198.51.100.2", "198.51.100.1", nullptr, nullptr, "0.0.0.0/0", "0.0.0.0/0");
    AuthPair p(std::move(ca), std::move(cb), kThreshold);
    crypto::SeededRandom flood_rng(seed("flood"));
    std::size_t cookies = 0, max_half_open = 0, max_sas = 0;
    for (std::uint32_t n = 0; n < kFlood; ++n) {
        auto out = p.b->receive(spoofed(flood_rng, attacker_conn, n), p.clock.now());
        ASSERT_LE(out.datagrams.size(), 1U);
        cookies += cookies_in(out);
        max_half_open = std::max(max_half_open, p.b->half_open());
        max_sas = std::max(max_sas, p.b->sa_count());
    }
    // Below the threshold the responder kept state; after it, only cookies.
    EXPECT_EQ(max_half_open, kThreshold);
    EXPECT_EQ(max_sas, kThreshold);
    EXPECT_EQ(cookies, kFlood - kThreshold);
    EXPECT_EQ(p.b->stats().cookies_sent, kFlood - kThreshold);

    // A legitimate initiator gets a COOKIE, echoes it and establishes.
    std::size_t cookies_to_a = 0;
    p.filter = [&](const Datagram& d, bool to_b) {
        if (!to_b) {
            Output o;
            o.datagrams.push_back(d);
            cookies_to_a += cookies_in(o);
        }
        return true;
    };
    p.establish();
    EXPECT_EQ(cookies_to_a, 1U);
    ASSERT_EQ(events_of<IkeSaUp>(p.events_a).size(), 1U);
    ASSERT_EQ(events_of<ChildSaUp>(p.events_b).size(), 1U);
    EXPECT_EQ(p.b->half_open(), kThreshold);  // the flood's half-open SAs, until they expire
    EXPECT_EQ(p.b->sa_count(), kThreshold + 1);

    // The half-open SAs expire (30 s); the established one stays.
    p.clock.advance(std::chrono::seconds(31));
    p.take_b(p.b->on_timer(p.clock.now()));
    EXPECT_EQ(p.b->half_open(), 0U);
    EXPECT_EQ(p.b->sa_count(), 1U);
}

TEST(IkeV2CookieDos, ForgedOrReplayedCookieIsNotAccepted) {
    auto cb = conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org", "203.0.113.0/24",
                   "192.0.2.0/24");
    auto attacker_conn = conn("198.51.100.2", "198.51.100.1", nullptr, nullptr, "0.0.0.0/0", "0.0.0.0/0");
    crypto::SeededRandom rb(seed("responder")), fr(seed("forge"));
    EngineConfig eb;
    eb.connections.push_back(std::move(cb));
    eb.cookie_threshold = 0;  // cookies from the first request on
    Engine b(std::move(eb), rb);
    core::Instant t{};
    auto d = spoofed(fr, attacker_conn, 1);
    auto o = b.receive(d, t);
    ASSERT_EQ(cookies_in(o), 1U);
    EXPECT_EQ(b.sa_count(), 0U);
    // The cookie echoed for another SPI (same nonce, address) is refused again.
    auto m = parse_message(o.datagrams.at(0).data);
    ASSERT_TRUE(m);
    auto ns = find_notifies(m->payloads);
    ASSERT_TRUE(ns);
    const core::Bytes cookie = ns->at(0).data;
    auto req = parse_message(d.data);
    ASSERT_TRUE(req);
    std::vector<RawPayload> pl{RawPayload{
        PayloadType::Notify, false, encode_notify(Notify{ProtocolId::None, {}, NotifyType::Cookie, cookie})}};
    for (auto& x : req->payloads) pl.push_back(x);
    Header other = req->header;
    other.spi_i ^= 1;
    Datagram forged = d;
    forged.data = encode_plain(other, pl);
    EXPECT_EQ(cookies_in(b.receive(forged, t)), 1U);
    EXPECT_EQ(b.sa_count(), 0U);
    // The right echo gets state.
    Datagram right = d;
    right.data = encode_plain(req->header, pl);
    auto ok = b.receive(right, t);
    EXPECT_EQ(cookies_in(ok), 0U);
    EXPECT_EQ(b.sa_count(), 1U);
}

}  // namespace
}  // namespace strata::ike::v2::test
