#include "ipsec/sa.hpp"

#include <gtest/gtest.h>

namespace strata::ipsec {
namespace {

using namespace std::chrono_literals;
using packet::IpAddress;

SaConfig base(Direction dir = Direction::Outbound) {
    SaConfig c;
    c.spi = 0x1234;
    c.direction = dir;
    c.src = *IpAddress::parse("192.0.2.1");
    c.dst = *IpAddress::parse("198.51.100.2");
    c.encryption = crypto::find_encryption("aes128");
    c.encryption_key = core::SecretBytes(16);
    c.integrity = crypto::find_integrity("sha256");
    c.integrity_key = core::SecretBytes(32);
    return c;
}

TEST(SecurityAssociation, KeyedOnceAtInstall) {
    auto sa = SecurityAssociation::create(base(), core::Instant{});
    ASSERT_TRUE(sa.ok());
    EXPECT_NE((*sa)->cipher(), nullptr);
    EXPECT_NE((*sa)->mac(), nullptr);
    EXPECT_EQ((*sa)->aead(), nullptr);
    EXPECT_EQ((*sa)->icv_len(), 16U);
    EXPECT_EQ((*sa)->replay(), nullptr);  // outbound
}

TEST(SecurityAssociation, AeadSaltComesAfterTheKey) {
    SaConfig c = base(Direction::Inbound);
    c.encryption = crypto::find_encryption("aes256gcm16");
    c.integrity = nullptr;
    c.integrity_key.clear();
    core::SecretBytes k(36);
    k.data()[32] = 0xde;
    k.data()[35] = 0xef;
    c.encryption_key = std::move(k);
    auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
    ASSERT_TRUE(sa.ok());
    ASSERT_EQ((*sa)->salt().size(), 4U);
    EXPECT_EQ((*sa)->salt()[0], 0xde);
    EXPECT_EQ((*sa)->salt()[3], 0xef);
    ASSERT_NE((*sa)->replay(), nullptr);
    EXPECT_EQ((*sa)->replay()->size(), ReplayWindow::kDefaultSize);
}

// The ESP shape is fixed at install for every transform family.
TEST(SecurityAssociation, EspGeometryPerTransform) {
    struct Case {
        const char* enc;
        const char* integ;
        std::size_t key;
        std::size_t iv, block, align, icv;
    };
    for (const Case& k :
         {Case{"aes128gcm16", nullptr, 20, 8, 1, 4, 16}, Case{"chacha20poly1305", nullptr, 36, 8, 1, 4, 16},
          Case{"aes256", "sha256", 32, 16, 16, 16, 16}, Case{"3des", "md5", 24, 8, 8, 8, 12},
          Case{"null", "sha1", 0, 0, 1, 4, 12}}) {
        SaConfig c = base();
        c.encryption = crypto::find_encryption(k.enc);
        ASSERT_NE(c.encryption, nullptr) << k.enc;
        c.encryption_key = core::SecretBytes(k.key);
        c.integrity = k.integ != nullptr ? crypto::find_integrity(k.integ) : nullptr;
        c.integrity_key = core::SecretBytes(c.integrity != nullptr ? c.integrity->key_len : 0);
        auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
        ASSERT_TRUE(sa.ok()) << k.enc;
        const EspGeometry& g = (*sa)->esp_geometry();
        EXPECT_EQ(g.iv_len, k.iv) << k.enc;
        EXPECT_EQ(g.block, k.block) << k.enc;
        EXPECT_EQ(g.align, k.align) << k.enc;
        EXPECT_EQ(g.icv_len, k.icv) << k.enc;
        EXPECT_EQ((*sa)->icv_len(), k.icv) << k.enc;
        EXPECT_EQ((*sa)->salt().size(), k.integ == nullptr ? 4U : 0U) << k.enc;
    }
}

TEST(SecurityAssociation, RefusesInconsistentConfigs) {
    auto refuse = [](SaConfig c, SaError e) {
        auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
        ASSERT_FALSE(sa.ok());
        EXPECT_EQ(sa.error(), e);
    };
    SaConfig c = base();
    c.spi = 0;
    refuse(std::move(c), SaError::ZeroSpi);
    c = base();
    c.integrity = nullptr;
    refuse(std::move(c), SaError::MissingIntegrity);
    c = base();
    c.encryption = crypto::find_encryption("aes128gcm16");
    c.encryption_key = core::SecretBytes(20);
    refuse(std::move(c), SaError::AeadWithIntegrity);
    c = base();
    c.encryption_key = core::SecretBytes(15);
    refuse(std::move(c), SaError::WrongKeyLength);
    c = base();
    c.protocol = Protocol::Ah;
    refuse(std::move(c), SaError::EncryptionWithAh);
    c = base(Direction::Inbound);
    c.replay_window = 16;
    refuse(std::move(c), SaError::BadReplayWindow);
    c = base();
    c.dst = *IpAddress::parse("2001:db8::1");
    refuse(std::move(c), SaError::AddressFamilyMismatch);
}

TEST(SecurityAssociation, SequenceNumbersNeverWrap) {
    auto sa = SecurityAssociation::create(base(), core::Instant{});
    ASSERT_TRUE(sa.ok());
    EXPECT_EQ(*(*sa)->next_sequence(), 1U);
    (*sa)->set_next_sequence(0xffffffffULL);
    EXPECT_EQ(*(*sa)->next_sequence(), 0xffffffffULL);
    EXPECT_EQ((*sa)->next_sequence().error(), Drop::SequenceExhausted);  // RFC 4303 §3.3.3
    EXPECT_EQ((*sa)->next_sequence().error(), Drop::SequenceExhausted);

    SaConfig c = base();
    c.esn = true;
    auto esn = SecurityAssociation::create(std::move(c), core::Instant{});
    ASSERT_TRUE(esn.ok());
    (*esn)->set_next_sequence(0xffffffffULL);
    EXPECT_EQ(*(*esn)->next_sequence(), 0xffffffffULL);
    EXPECT_EQ(*(*esn)->next_sequence(), 0x100000000ULL);  // ESN goes on
    (*esn)->set_next_sequence(~std::uint64_t{0});
    EXPECT_EQ(*(*esn)->next_sequence(), ~std::uint64_t{0});
    EXPECT_EQ((*esn)->next_sequence().error(), Drop::SequenceExhausted);
}

TEST(SecurityAssociation, SequenceBlocksAreReservedAndGivenBack) {
    auto sa = SecurityAssociation::create(base(), core::Instant{});
    ASSERT_TRUE(sa.ok());
    auto b = (*sa)->reserve_sequences(10);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->next, 1U);
    EXPECT_EQ(b->count, 10U);
    EXPECT_EQ((*sa)->last_sequence(), 10U);
    (*sa)->release_sequences({4, 7});  // 1..3 used
    EXPECT_EQ((*sa)->last_sequence(), 3U);
    EXPECT_EQ(*(*sa)->next_sequence(), 4U);

    // Someone took a number after the block: its tail stays unused (a gap, never a reuse).
    auto c = (*sa)->reserve_sequences(5);  // 5..9
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*(*sa)->next_sequence(), 10U);
    (*sa)->release_sequences({7, 3});
    EXPECT_EQ((*sa)->last_sequence(), 10U);

    // RFC 4303 §3.3.3 at the block level: never past 2^32-1.
    (*sa)->set_next_sequence(0xfffffffeULL);
    auto d = (*sa)->reserve_sequences(32);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->next, 0xfffffffeULL);
    EXPECT_EQ(d->count, 2U);
    EXPECT_EQ((*sa)->reserve_sequences(1).error(), Drop::SequenceExhausted);
    EXPECT_EQ((*sa)->next_sequence().error(), Drop::SequenceExhausted);

    SaConfig e = base();
    e.esn = true;
    auto esn = SecurityAssociation::create(std::move(e), core::Instant{});
    ASSERT_TRUE(esn.ok());
    (*esn)->set_next_sequence(~std::uint64_t{0} - 1);
    auto last = (*esn)->reserve_sequences(8);
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(last->count, 2U);  // 2^64-2 and 2^64-1
    (*esn)->release_sequences({~std::uint64_t{0}, 1});
    EXPECT_EQ(*(*esn)->next_sequence(), ~std::uint64_t{0});
    EXPECT_EQ((*esn)->reserve_sequences(1).error(), Drop::SequenceExhausted);
}

TEST(SecurityAssociation, PendingAccountingRaisesWhatAccountWould) {
    SaConfig c = base();
    c.lifetimes.soft.bytes = 250;
    c.lifetimes.hard.packets = 4;
    auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
    ASSERT_TRUE(sa.ok());
    EXPECT_EQ((*sa)->account_pending(1, 100, core::Instant{}), LifetimeEvent::None);
    EXPECT_EQ((*sa)->account_pending(2, 200, core::Instant{}), LifetimeEvent::None);
    EXPECT_EQ((*sa)->account_pending(3, 300, core::Instant{}), LifetimeEvent::SoftExpired);
    EXPECT_EQ((*sa)->counters().packets.load(), 0U);  // held back by the caller
    (*sa)->add_usage(3, 300);
    EXPECT_EQ((*sa)->counters().packets.load(), 3U);
    EXPECT_EQ((*sa)->counters().bytes.load(), 300U);
    EXPECT_EQ((*sa)->account_pending(1, 100, core::Instant{}), LifetimeEvent::HardExpired);
    EXPECT_TRUE((*sa)->expired());
}

TEST(SecurityAssociation, SoftThenHardLifetimes) {
    SaConfig c = base();
    c.lifetimes.soft.packets = 3;
    c.lifetimes.hard.packets = 5;
    c.lifetimes.soft.time = 10s;
    c.lifetimes.hard.time = 20s;
    core::ManualClock clock;
    auto sa = SecurityAssociation::create(std::move(c), clock.now());
    ASSERT_TRUE(sa.ok());
    auto& s = **sa;
    EXPECT_EQ(s.account(100, clock.now()), LifetimeEvent::None);
    EXPECT_EQ(s.account(100, clock.now()), LifetimeEvent::None);
    EXPECT_EQ(s.account(100, clock.now()), LifetimeEvent::SoftExpired);  // raised once
    EXPECT_EQ(s.account(100, clock.now()), LifetimeEvent::None);
    EXPECT_TRUE(s.soft_expired());
    EXPECT_EQ(s.account(100, clock.now()), LifetimeEvent::HardExpired);
    EXPECT_TRUE(s.expired());
    EXPECT_EQ(s.counters().bytes.load(), 500U);
}

TEST(SecurityAssociation, TimeLimits) {
    SaConfig c = base();
    c.lifetimes.soft.time = 10s;
    c.lifetimes.hard.time = 20s;
    c.lifetimes.soft.bytes = 1U << 30;
    core::ManualClock clock;
    auto sa = SecurityAssociation::create(std::move(c), clock.now());
    ASSERT_TRUE(sa.ok());
    clock.advance(9s);
    EXPECT_EQ((*sa)->tick(clock.now()), LifetimeEvent::None);
    clock.advance(1s);
    EXPECT_EQ((*sa)->tick(clock.now()), LifetimeEvent::SoftExpired);
    clock.advance(10s);
    EXPECT_EQ((*sa)->tick(clock.now()), LifetimeEvent::HardExpired);
}

TEST(SecurityAssociation, BudgetIsTheTrafficBelowWhichNoLimitFires) {
    constexpr std::uint64_t kUnlimited = ~std::uint64_t{0};
    {
        auto sa = SecurityAssociation::create(base(), core::Instant{});
        ASSERT_TRUE(sa.ok());
        const auto b = (*sa)->budget(core::Instant{});
        EXPECT_EQ(b.packets, kUnlimited);  // no limits at all
        EXPECT_EQ(b.bytes, kUnlimited);
    }
    SaConfig c = base();
    c.lifetimes.soft.bytes = 250;
    c.lifetimes.hard.packets = 4;
    c.lifetimes.hard.time = std::chrono::seconds(10);
    auto made = SecurityAssociation::create(std::move(c), core::Instant{});
    ASSERT_TRUE(made.ok());
    SecurityAssociation& sa = **made;
    auto b = sa.budget(core::Instant{});
    EXPECT_EQ(b.packets, 4U);
    EXPECT_EQ(b.bytes, 250U);
    // Below the budget account_pending raises nothing; at it, it does.
    EXPECT_EQ(sa.account_pending(3, 249, core::Instant{}), LifetimeEvent::None);
    EXPECT_EQ(sa.account_pending(3, 250, core::Instant{}), LifetimeEvent::SoftExpired);
    // Once soft has fired only the hard limits count, from the counters as they stand.
    sa.add_usage(1, 100);
    b = sa.budget(core::Instant{});
    EXPECT_EQ(b.packets, 3U);
    EXPECT_EQ(b.bytes, kUnlimited);
    EXPECT_EQ(sa.account_pending(2, 5000, core::Instant{}), LifetimeEvent::None);
    EXPECT_EQ(sa.account_pending(3, 5000, core::Instant{}), LifetimeEvent::HardExpired);
    // A limit already due leaves no budget: every packet is judged.
    SaConfig d = base();
    d.lifetimes.hard.time = std::chrono::seconds(10);
    auto aged = SecurityAssociation::create(std::move(d), core::Instant{});
    ASSERT_TRUE(aged.ok());
    const auto late = (*aged)->budget(core::Instant{} + std::chrono::seconds(10));
    EXPECT_EQ(late.packets, 0U);
    EXPECT_EQ(late.bytes, 0U);
    EXPECT_EQ((*aged)->budget(core::Instant{} + std::chrono::seconds(9)).packets, kUnlimited);
}

}  // namespace
}  // namespace strata::ipsec
