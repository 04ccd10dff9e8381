#include "tls/ticket.hpp"

#include <gtest/gtest.h>

#include "tls/version.hpp"

namespace strata::tls {
namespace {

using core::Bytes;
using std::chrono::seconds;

// A wall time well after the epoch so that created times are ordinary.
const core::WallTime kStart = core::WallTime(seconds(1'800'000'000));

Session make_session(const core::Clock& clock) {
    Session s;
    s.version = kTls13;
    s.cipher_suite = 0x1301;
    s.secret = core::SecretBytes(Bytes(32, 0x5e));
    s.peer_certificates = {Bytes{0x30, 0x03, 1, 2, 3}, Bytes{0x30, 0x00}};
    s.alpn = "http/1.1";
    s.server_name = "example.org";
    s.peer_subject = "CN=server.example.org";
    s.ticket_lifetime = 3600;
    s.ticket_age_add = 0xdeadbeef;
    s.ticket_nonce = Bytes{0, 1};
    s.created = clock.wall_now();
    return s;
}

void expect_same(const Session& a, const Session& b) {
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.cipher_suite, b.cipher_suite);
    EXPECT_EQ(Bytes(a.secret.view().begin(), a.secret.view().end()),
              Bytes(b.secret.view().begin(), b.secret.view().end()));
    EXPECT_EQ(a.extended_master_secret, b.extended_master_secret);
    EXPECT_EQ(a.peer_certificates, b.peer_certificates);
    EXPECT_EQ(a.alpn, b.alpn);
    EXPECT_EQ(a.server_name, b.server_name);
    EXPECT_EQ(a.peer_subject, b.peer_subject);
    EXPECT_EQ(a.session_id, b.session_id);
    EXPECT_EQ(a.ticket_lifetime, b.ticket_lifetime);
    EXPECT_EQ(a.ticket_age_add, b.ticket_age_add);
    EXPECT_EQ(a.ticket_nonce, b.ticket_nonce);
    EXPECT_EQ(std::chrono::duration_cast<seconds>(a.created.time_since_epoch()),
              std::chrono::duration_cast<seconds>(b.created.time_since_epoch()));
}

TEST(TicketPlaintext, RoundTrip) {
    core::ManualClock clock(kStart);
    Session s = make_session(clock);
    auto plain = serialize_session(s);
    ASSERT_TRUE(plain);
    auto back = parse_session(*plain);
    ASSERT_TRUE(back);
    expect_same(s, *back);
    EXPECT_TRUE(back->ticket.empty());  // the ticket itself is not inside

    Session t12 = make_session(clock);
    t12.version = kTls12;
    t12.cipher_suite = 0xc02f;
    t12.secret = core::SecretBytes(Bytes(48, 7));
    t12.extended_master_secret = true;
    t12.session_id = Bytes(32, 9);
    auto p12 = serialize_session(t12);
    ASSERT_TRUE(p12);
    auto b12 = parse_session(*p12);
    ASSERT_TRUE(b12);
    expect_same(t12, *b12);
}

TEST(TicketPlaintext, EveryTruncationAndTrailingByteRefused) {
    core::ManualClock clock(kStart);
    auto plain = serialize_session(make_session(clock));
    ASSERT_TRUE(plain);
    const core::ByteView v = *plain;
    for (std::size_t n = 0; n < v.size(); ++n) {
        SCOPED_TRACE(n);
        auto r = parse_session(v.first(n));
        ASSERT_FALSE(r);
        EXPECT_EQ(alert_for(r.error()), AlertDescription::DecodeError);
    }
    Bytes longer(v.begin(), v.end());
    longer.push_back(0);
    EXPECT_EQ(parse_session(longer).error(), Error::TrailingBytes);
}

TEST(TicketPlaintext, BadValuesRefused) {
    core::ManualClock clock(kStart);
    auto plain = serialize_session(make_session(clock));
    ASSERT_TRUE(plain);
    const Bytes good(plain->view().begin(), plain->view().end());
    auto with = [&](std::size_t at, std::uint8_t v) {
        Bytes b = good;
        b[at] = v;
        return parse_session(b);
    };
    EXPECT_EQ(with(0, 2).error(), Error::IllegalParameter);     // format
    EXPECT_EQ(with(2, 0x02).error(), Error::IllegalParameter);  // version 0x0302
    // flags sit after format(1) version(2) suite(2) secret(1+32)
    EXPECT_EQ(with(1 + 2 + 2 + 1 + 32, 0x80).error(), Error::IllegalParameter);
    // A TLS 1.2 session must carry a 48-byte master secret.
    Session bad = make_session(clock);
    bad.version = kTls12;
    EXPECT_EQ(serialize_session(bad).error(), Error::InternalError);
    // created is a u64 after flags; past 2^32-1 seconds it is refused.
    Bytes late = good;
    late[1 + 2 + 2 + 1 + 32 + 1 + 3] = 1;
    EXPECT_EQ(parse_session(late).error(), Error::IllegalParameter);
    Session before_epoch = make_session(clock);
    before_epoch.created = core::WallTime(seconds(-5));
    EXPECT_EQ(serialize_session(before_epoch).error(), Error::InternalError);
    Session long_id = make_session(clock);
    long_id.session_id = Bytes(33, 1);
    EXPECT_EQ(serialize_session(long_id).error(), Error::BadVectorLength);
}

struct Fixture : ::testing::Test {
    core::ManualClock clock{kStart};
    crypto::SeededRandom rng{Bytes{42}};
};

using TicketKeysTest = Fixture;

TEST_F(TicketKeysTest, SealOpen) {
    TicketKeys keys(clock, rng);
    const Session s = make_session(clock);
    auto ticket = keys.seal(s);
    ASSERT_TRUE(ticket);
    auto plain = serialize_session(s);
    ASSERT_TRUE(plain);
    EXPECT_EQ(ticket->size(), plain->size() + kTicketOverhead);
    auto back = keys.open(*ticket);
    ASSERT_TRUE(back.has_value());
    expect_same(s, *back);
    EXPECT_EQ(keys.stats().sealed, 1u);
    EXPECT_EQ(keys.stats().opened, 1u);
    // Two tickets of one session differ (random IV).
    auto ticket2 = keys.seal(s);
    ASSERT_TRUE(ticket2);
    EXPECT_NE(*ticket, *ticket2);
}

TEST_F(TicketKeysTest, EveryTamperedByteRefused) {
    TicketKeys keys(clock, rng);
    auto ticket = keys.seal(make_session(clock));
    ASSERT_TRUE(ticket);
    for (std::size_t i = 0; i < ticket->size(); ++i) {
        Bytes t = *ticket;
        t[i] ^= 0x20;
        EXPECT_FALSE(keys.open(t).has_value()) << "byte " << i;
    }
    const auto st = keys.stats();
    EXPECT_EQ(st.unknown_key, kTicketKeyNameLength);  // a changed key_name finds no key
    EXPECT_EQ(st.bad_ticket, ticket->size() - kTicketKeyNameLength);
    EXPECT_EQ(st.opened, 0u);
}

TEST_F(TicketKeysTest, TruncatedTicketsRefused) {
    TicketKeys keys(clock, rng);
    auto ticket = keys.seal(make_session(clock));
    ASSERT_TRUE(ticket);
    for (std::size_t n = 0; n < ticket->size(); ++n) {
        EXPECT_FALSE(keys.open(core::ByteView(*ticket).first(n)).has_value()) << n;
    }
    Bytes longer = *ticket;
    longer.push_back(0);
    EXPECT_FALSE(keys.open(longer).has_value());
}

TEST_F(TicketKeysTest, AnotherServersTicketRefused) {
    TicketKeys ours(clock, rng);
    crypto::SeededRandom other_rng(Bytes{43});
    TicketKeys theirs(clock, other_rng);
    auto ticket = theirs.seal(make_session(clock));
    ASSERT_TRUE(ticket);
    EXPECT_FALSE(ours.open(*ticket).has_value());
}

TEST_F(TicketKeysTest, RotationAndGrace) {
    TicketKeysConfig cfg;
    cfg.rotation = seconds(100);
    cfg.grace = seconds(50);
    cfg.ticket_lifetime = seconds(100000);
    TicketKeys keys(clock, rng, cfg);
    Session s = make_session(clock);
    s.ticket_lifetime = 0;  // only the configured lifetime applies
    auto t1 = keys.seal(s);
    ASSERT_TRUE(t1);
    EXPECT_EQ(keys.key_count(), 1u);

    clock.advance(seconds(99));
    auto t1b = keys.seal(s);  // still the first key
    ASSERT_TRUE(t1b);
    EXPECT_TRUE(std::equal(t1->begin(), t1->begin() + kTicketKeyNameLength, t1b->begin()));

    clock.advance(seconds(1));  // t = 100: the first key retires, a second one seals
    auto t2 = keys.seal(s);
    ASSERT_TRUE(t2);
    EXPECT_FALSE(std::equal(t1->begin(), t1->begin() + kTicketKeyNameLength, t2->begin()));
    EXPECT_EQ(keys.key_count(), 2u);
    EXPECT_TRUE(keys.open(*t1).has_value());  // grace period
    EXPECT_TRUE(keys.open(*t2).has_value());

    clock.advance(seconds(49));  // t = 149: still within grace
    EXPECT_TRUE(keys.open(*t1).has_value());
    clock.advance(seconds(1));  // t = 150: the first key is dropped
    EXPECT_FALSE(keys.open(*t1).has_value());
    EXPECT_EQ(keys.key_count(), 1u);
    EXPECT_TRUE(keys.open(*t2).has_value());
    EXPECT_EQ(keys.stats().rotations, 2u);
}

TEST_F(TicketKeysTest, IdleRingRotatesOnOpen) {
    TicketKeysConfig cfg;
    cfg.rotation = seconds(100);
    cfg.grace = seconds(50);
    cfg.ticket_lifetime = seconds(100000);
    TicketKeys keys(clock, rng, cfg);
    Session s = make_session(clock);
    s.ticket_lifetime = 0;
    auto t1 = keys.seal(s);
    ASSERT_TRUE(t1);
    // Nothing happens for 150 s: the key retired at 100 s and its grace ended.
    clock.advance(seconds(150));
    EXPECT_FALSE(keys.open(*t1).has_value());
}

TEST_F(TicketKeysTest, ExplicitRotate) {
    TicketKeys keys(clock, rng);
    auto t1 = keys.seal(make_session(clock));
    ASSERT_TRUE(t1);
    ASSERT_TRUE(keys.rotate());
    EXPECT_EQ(keys.key_count(), 2u);
    auto t2 = keys.seal(make_session(clock));
    ASSERT_TRUE(t2);
    EXPECT_FALSE(std::equal(t1->begin(), t1->begin() + kTicketKeyNameLength, t2->begin()));
    EXPECT_TRUE(keys.open(*t1).has_value());
}

TEST_F(TicketKeysTest, ExpiredSessionRefused) {
    TicketKeysConfig cfg;
    cfg.rotation = seconds(100000);
    cfg.grace = seconds(100000);
    cfg.ticket_lifetime = seconds(7200);
    TicketKeys keys(clock, rng, cfg);
    Session s = make_session(clock);
    s.ticket_lifetime = 600;  // shorter than the configured lifetime: it wins
    auto t = keys.seal(s);
    ASSERT_TRUE(t);
    clock.advance(seconds(599));
    EXPECT_TRUE(keys.open(*t).has_value());
    clock.advance(seconds(1));
    EXPECT_FALSE(keys.open(*t).has_value());
    EXPECT_EQ(keys.stats().expired, 1u);
}

TEST_F(TicketKeysTest, FailingRandomSourceFailsSealNotOpen) {
    crypto::ReplayRandom empty(Bytes{});
    TicketKeys keys(clock, empty);
    auto t = keys.seal(make_session(clock));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error(), Error::Crypto);
    EXPECT_FALSE(keys.open(Bytes(100, 1)).has_value());
}

TEST_F(TicketKeysTest, OversizedSessionRefused) {
    TicketKeys keys(clock, rng);
    Session s = make_session(clock);
    s.peer_certificates = {Bytes(70000, 1)};
    auto t = keys.seal(s);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error(), Error::BadVectorLength);
}

}  // namespace
}  // namespace strata::tls
