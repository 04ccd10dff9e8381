#include "tls/session_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tls/version.hpp"

namespace strata::tls {
namespace {

using core::Bytes;
using std::chrono::seconds;

Session make_session(std::uint8_t tag, std::uint32_t ticket_lifetime = 0) {
    Session s;
    s.version = kTls12;
    s.cipher_suite = 0xc02f;
    s.secret = core::SecretBytes(Bytes(48, tag));
    s.extended_master_secret = true;
    s.peer_certificates = {Bytes{0x30, tag}};
    s.alpn = "h2";
    s.server_name = "example.org";
    s.session_id = Bytes(32, tag);
    s.ticket_lifetime = ticket_lifetime;
    return s;
}

Bytes id(std::uint8_t tag) { return Bytes(32, tag); }

TEST(Session, CloneIsIndependent) {
    Session a = make_session(1);
    a.ticket = Bytes{1, 2, 3};
    a.ticket_nonce = Bytes{4};
    a.ticket_age_add = 99;
    a.peer_subject = "CN=example.org";
    Session b = a.clone();
    EXPECT_EQ(Bytes(b.secret.view().begin(), b.secret.view().end()), Bytes(48, 1));
    EXPECT_NE(b.secret.data(), a.secret.data());
    EXPECT_EQ(b.peer_certificates, a.peer_certificates);
    EXPECT_EQ(b.ticket, a.ticket);
    EXPECT_EQ(b.ticket_nonce, a.ticket_nonce);
    EXPECT_EQ(b.ticket_age_add, 99u);
    EXPECT_EQ(b.alpn, "h2");
    EXPECT_EQ(b.peer_subject, "CN=example.org");
    EXPECT_TRUE(b.extended_master_secret);
}

TEST(SessionCache, ServerStoreFindRemove) {
    core::ManualClock clock;
    SessionCache cache(clock);
    cache.store_server(id(1), make_session(1));
    auto hit = cache.find_server(id(1));
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->secret.view()[0], 1);
    EXPECT_EQ(cache.find_server(id(2)), nullptr);
    // A failed connection removes its session.
    cache.remove_server(id(1));
    EXPECT_EQ(cache.find_server(id(1)), nullptr);
    const auto st = cache.stats();
    EXPECT_EQ(st.hits, 1u);
    EXPECT_EQ(st.misses, 2u);
    EXPECT_EQ(st.removed, 1u);
    EXPECT_EQ(st.stored, 1u);
}

TEST(SessionCache, EmptySessionIdIsNotCached) {
    core::ManualClock clock;
    SessionCache cache(clock);
    cache.store_server({}, make_session(1));
    EXPECT_EQ(cache.server_size(), 0u);
    EXPECT_EQ(cache.find_server({}), nullptr);
    EXPECT_EQ(cache.stats().misses, 1u);
}

TEST(SessionCache, ClientKeyedByPeerNewestWins) {
    core::ManualClock clock;
    SessionCache cache(clock);
    cache.store_client("example.org:443", make_session(1));
    cache.store_client("example.org:443", make_session(2));
    cache.store_client("example.net:443", make_session(3));
    EXPECT_EQ(cache.client_size(), 2u);
    auto s = cache.find_client("example.org:443");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->secret.view()[0], 2);
    EXPECT_EQ(cache.find_client("example.org:8443"), nullptr);
    cache.remove_client("example.org:443");
    EXPECT_EQ(cache.find_client("example.org:443"), nullptr);
    EXPECT_NE(cache.find_client("example.net:443"), nullptr);
    // Server and client sides are separate.
    EXPECT_EQ(cache.server_size(), 0u);
}

TEST(SessionCache, LruEviction) {
    core::ManualClock clock;
    SessionCacheConfig cfg;
    cfg.server_capacity = 3;
    SessionCache cache(clock, cfg);
    for (std::uint8_t i = 1; i <= 3; ++i) cache.store_server(id(i), make_session(i));
    ASSERT_NE(cache.find_server(id(1)), nullptr);  // 1 is now the most recently used
    cache.store_server(id(4), make_session(4));    // evicts 2, the least recently used
    EXPECT_EQ(cache.server_size(), 3u);
    EXPECT_EQ(cache.find_server(id(2)), nullptr);
    EXPECT_NE(cache.find_server(id(1)), nullptr);
    EXPECT_NE(cache.find_server(id(3)), nullptr);
    EXPECT_NE(cache.find_server(id(4)), nullptr);
    EXPECT_EQ(cache.stats().evictions, 1u);
    // Replacing an entry does not evict.
    cache.store_server(id(4), make_session(5));
    EXPECT_EQ(cache.stats().evictions, 1u);
    EXPECT_EQ(cache.find_server(id(4))->secret.view()[0], 5);
}

TEST(SessionCache, ZeroCapacityKeepsNothing) {
    core::ManualClock clock;
    SessionCacheConfig cfg;
    cfg.client_capacity = 0;
    SessionCache cache(clock, cfg);
    cache.store_client("a:1", make_session(1));
    EXPECT_EQ(cache.client_size(), 0u);
    EXPECT_EQ(cache.find_client("a:1"), nullptr);
}

TEST(SessionCache, ExpiryAtCacheLifetime) {
    core::ManualClock clock;
    SessionCacheConfig cfg;
    cfg.lifetime = seconds(100);
    SessionCache cache(clock, cfg);
    cache.store_server(id(1), make_session(1));
    clock.advance(seconds(99));
    EXPECT_NE(cache.find_server(id(1)), nullptr);
    clock.advance(seconds(1));
    EXPECT_EQ(cache.find_server(id(1)), nullptr);
    EXPECT_EQ(cache.server_size(), 0u);  // dropped on lookup
    EXPECT_EQ(cache.stats().expired, 1u);
}

TEST(SessionCache, ExpiryAtTheShorterTicketLifetime) {
    core::ManualClock clock;
    SessionCacheConfig cfg;
    cfg.lifetime = seconds(7200);
    SessionCache cache(clock, cfg);
    cache.store_client("a:1", make_session(1, 10));
    clock.advance(seconds(9));
    EXPECT_NE(cache.find_client("a:1"), nullptr);
    clock.advance(seconds(1));
    EXPECT_EQ(cache.find_client("a:1"), nullptr);
}

TEST(SessionCache, HandedOutSessionOutlivesRemoval) {
    core::ManualClock clock;
    SessionCache cache(clock);
    cache.store_server(id(1), make_session(7));
    auto s = cache.find_server(id(1));
    cache.remove_server(id(1));
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->secret.view()[0], 7);
}

TEST(SessionCache, ConcurrentUse) {
    core::ManualClock clock;
    SessionCacheConfig cfg;
    cfg.server_capacity = 64;
    SessionCache cache(clock, cfg);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 500; ++i) {
                const auto tag = static_cast<std::uint8_t>((t * 31 + i) % 200);
                cache.store_server(id(tag), make_session(tag));
                auto s = cache.find_server(id(tag));
                if (s != nullptr && s->secret.view()[0] != tag) ADD_FAILURE() << "wrong session";
                if (i % 7 == 0) cache.remove_server(id(tag));
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_LE(cache.server_size(), 64u);
    const auto st = cache.stats();
    EXPECT_EQ(st.stored, 2000u);
    EXPECT_EQ(st.hits + st.misses, 2000u);
}

}  // namespace
}  // namespace strata::tls
