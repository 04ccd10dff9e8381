#include "ipsec/sad.hpp"

#include <gtest/gtest.h>

namespace strata::ipsec {
namespace {

using packet::IpAddress;

SaPtr make_sa(std::uint32_t spi, Direction dir, std::uint32_t reqid = 1, const char* dst = "198.51.100.2") {
    SaConfig c;
    c.spi = spi;
    c.reqid = reqid;
    c.direction = dir;
    c.src = *IpAddress::parse("192.0.2.1");
    c.dst = *IpAddress::parse(dst);
    c.encryption = crypto::find_encryption("aes128gcm16");
    c.encryption_key = core::SecretBytes(20);
    auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
    EXPECT_TRUE(sa.ok());
    return std::move(sa).value();
}

TEST(Sad, InboundLookupBySpiDestinationProtocol) {
    Sad sad;
    ASSERT_TRUE(sad.install(make_sa(0x1000, Direction::Inbound)).ok());
    const SaKey k{0x1000, *IpAddress::parse("198.51.100.2"), Protocol::Esp};
    ASSERT_NE(sad.inbound(k), nullptr);
    EXPECT_EQ(sad.inbound({0x1001, k.dst, Protocol::Esp}), nullptr);
    EXPECT_EQ(sad.inbound({0x1000, *IpAddress::parse("198.51.100.3"), Protocol::Esp}), nullptr);
    EXPECT_EQ(sad.inbound({0x1000, k.dst, Protocol::Ah}), nullptr);
    EXPECT_EQ(sad.install(make_sa(0x1000, Direction::Inbound)).error(), SadError::DuplicateSpi);
}

TEST(Sad, OutboundByReqidNewestFirst) {
    Sad sad;
    ASSERT_TRUE(sad.install(make_sa(0x2000, Direction::Outbound, 7)).ok());
    EXPECT_EQ(sad.outbound(7, Protocol::Esp)->spi(), 0x2000U);
    ASSERT_TRUE(sad.install(make_sa(0x2001, Direction::Outbound, 7)).ok());  // rekeyed
    EXPECT_EQ(sad.outbound(7, Protocol::Esp)->spi(), 0x2001U);
    EXPECT_EQ(sad.outbound(8, Protocol::Esp), nullptr);
    EXPECT_EQ(sad.outbound(7, Protocol::Ah), nullptr);
    ASSERT_TRUE(
        sad.remove(Direction::Outbound, {0x2001, *IpAddress::parse("198.51.100.2"), Protocol::Esp}).ok());
    EXPECT_EQ(sad.outbound(7, Protocol::Esp)->spi(), 0x2000U);
    EXPECT_EQ(sad.size(), 1U);
}

TEST(Sad, PacketsInFlightKeepARemovedSaAlive) {
    Sad sad;
    ASSERT_TRUE(sad.install(make_sa(0x3000, Direction::Inbound)).ok());
    const SaKey k{0x3000, *IpAddress::parse("198.51.100.2"), Protocol::Esp};
    SaPtr held = sad.inbound(k);
    ASSERT_TRUE(sad.remove(Direction::Inbound, k).ok());
    EXPECT_EQ(sad.inbound(k), nullptr);
    EXPECT_EQ(held->spi(), 0x3000U);  // still valid for the packet using it
    EXPECT_EQ(sad.remove(Direction::Inbound, k).error(), SadError::NoSuchSa);
}

TEST(Sad, ReplaceSwapsTheSaUnderTheSameKey) {
    Sad sad;
    ASSERT_TRUE(sad.install(make_sa(0x4000, Direction::Inbound)).ok());
    SaPtr fresh = make_sa(0x4000, Direction::Inbound);
    sad.replace(fresh);
    EXPECT_EQ(sad.inbound(key_of(*fresh)), fresh);
    EXPECT_EQ(sad.size(), 1U);
}

}  // namespace
}  // namespace strata::ipsec
