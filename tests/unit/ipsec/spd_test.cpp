#include "ipsec/spd.hpp"

#include <gtest/gtest.h>

#include <random>

namespace strata::ipsec {
namespace {

using packet::IpAddress;
using packet::IpPrefix;

AddressRange net(const char* text) { return AddressRange::from_prefix(*IpPrefix::parse(text)); }

PacketFields fields(const char* src, const char* dst, std::uint8_t proto = 17, std::uint16_t sp = 1000,
                    std::uint16_t dp = 53) {
    PacketFields f;
    f.src = *IpAddress::parse(src);
    f.dst = *IpAddress::parse(dst);
    f.protocol = proto;
    f.has_ports = proto == 6 || proto == 17;
    f.src_port = sp;
    f.dst_port = dp;
    return f;
}

Policy policy(const char* local, const char* remote, Action a, std::uint32_t prio = 0) {
    Policy p;
    p.direction = Direction::Outbound;
    p.priority = prio;
    p.selector.local = net(local);
    p.selector.remote = net(remote);
    p.action = a;
    return p;
}

TEST(Spd, FirstMatchInPriorityOrderDecides) {
    Spd spd;
    ASSERT_TRUE(spd.add(policy("10.0.0.0/8", "0.0.0.0/0", Action::Discard, 100)).ok());
    auto protect = policy("10.1.0.0/16", "10.2.0.0/16", Action::Protect, 10);
    protect.name = "lan-to-lan";
    ASSERT_TRUE(spd.add(protect).ok());
    Policy ike = policy("0.0.0.0/0", "0.0.0.0/0", Action::Bypass, 1);
    ike.selector.protocol = 17;
    ike.selector.remote_ports = {500, 500};
    ASSERT_TRUE(spd.add(ike).ok());

    EXPECT_EQ(spd.lookup(fields("10.1.2.3", "10.2.3.4"), Direction::Outbound)->name, "lan-to-lan");
    EXPECT_EQ(spd.lookup(fields("10.1.2.3", "10.2.3.4", 17, 500, 500), Direction::Outbound)->action,
              Action::Bypass);
    EXPECT_EQ(spd.lookup(fields("10.1.2.3", "192.0.2.1"), Direction::Outbound)->action, Action::Discard);
    EXPECT_EQ(spd.lookup(fields("192.0.2.9", "10.2.3.4"), Direction::Outbound), nullptr);  // no match
    EXPECT_EQ(spd.lookup(fields("10.1.2.3", "10.2.3.4"), Direction::Inbound), nullptr);    // other direction
}

TEST(Spd, EqualPriorityKeepsInsertionOrder) {
    Spd spd;
    auto a = policy("0.0.0.0/0", "198.51.100.0/24", Action::Bypass);
    auto b = policy("0.0.0.0/0", "198.51.100.0/25", Action::Discard);
    ASSERT_TRUE(spd.add(a).ok());
    ASSERT_TRUE(spd.add(b).ok());
    EXPECT_EQ(spd.lookup(fields("192.0.2.1", "198.51.100.1"), Direction::Outbound)->action, Action::Bypass);
}

TEST(Spd, PortsProtocolAndIcmpSelectors) {
    Spd spd;
    auto web = policy("0.0.0.0/0", "0.0.0.0/0", Action::Protect, 5);
    web.selector.protocol = 6;
    web.selector.remote_ports = {443, 443};
    ASSERT_TRUE(spd.add(web).ok());
    auto ping = policy("0.0.0.0/0", "0.0.0.0/0", Action::Bypass, 6);
    ping.selector.protocol = 1;
    ping.selector.icmp_type = 8;
    ASSERT_TRUE(spd.add(ping).ok());

    EXPECT_EQ(spd.lookup(fields("192.0.2.1", "203.0.113.5", 6, 40000, 443), Direction::Outbound)->action,
              Action::Protect);
    EXPECT_EQ(spd.lookup(fields("192.0.2.1", "203.0.113.5", 6, 40000, 80), Direction::Outbound), nullptr);
    PacketFields echo = fields("192.0.2.1", "203.0.113.5", 1);
    echo.has_icmp = true;
    echo.icmp_type = 8;
    EXPECT_EQ(spd.lookup(echo, Direction::Outbound)->action, Action::Bypass);
    echo.icmp_type = 0;
    EXPECT_EQ(spd.lookup(echo, Direction::Outbound), nullptr);
}

TEST(Spd, AddressRangesNotOnPrefixBoundaries) {
    Spd spd;
    Policy p = policy("0.0.0.0/0", "0.0.0.0/0", Action::Protect);
    p.selector.remote = {*IpAddress::parse("198.51.100.7"), *IpAddress::parse("198.51.100.130")};
    ASSERT_TRUE(spd.add(p).ok());
    EXPECT_EQ(spd.lookup(fields("192.0.2.1", "198.51.100.6"), Direction::Outbound), nullptr);
    EXPECT_NE(spd.lookup(fields("192.0.2.1", "198.51.100.7"), Direction::Outbound), nullptr);
    EXPECT_NE(spd.lookup(fields("192.0.2.1", "198.51.100.64"), Direction::Outbound), nullptr);
    EXPECT_NE(spd.lookup(fields("192.0.2.1", "198.51.100.130"), Direction::Outbound), nullptr);
    EXPECT_EQ(spd.lookup(fields("192.0.2.1", "198.51.100.131"), Direction::Outbound), nullptr);
}

TEST(Spd, Ipv6AndWholeSpace) {
    Spd spd;
    Policy p = policy("2001:db8:1::/48", "::/0", Action::Protect);
    ASSERT_TRUE(spd.add(p).ok());
    EXPECT_NE(spd.lookup(fields("2001:db8:1::5", "2001:db8:2::9"), Direction::Outbound), nullptr);
    EXPECT_EQ(spd.lookup(fields("2001:db8:3::5", "2001:db8:2::9"), Direction::Outbound), nullptr);
    EXPECT_EQ(spd.lookup(fields("192.0.2.1", "192.0.2.2"), Direction::Outbound), nullptr);
}

TEST(Spd, RemoveAndIds) {
    Spd spd;
    auto id = spd.add(policy("0.0.0.0/0", "198.51.100.0/24", Action::Bypass));
    ASSERT_TRUE(id.ok());
    EXPECT_NE(spd.find(*id), nullptr);
    Policy dup = policy("0.0.0.0/0", "0.0.0.0/0", Action::Bypass);
    dup.id = *id;
    EXPECT_EQ(spd.add(dup).error(), SpdError::DuplicateId);
    ASSERT_TRUE(spd.remove(*id).ok());
    EXPECT_EQ(spd.lookup(fields("192.0.2.1", "198.51.100.1"), Direction::Outbound), nullptr);
    EXPECT_EQ(spd.remove(*id).error(), SpdError::NoSuchPolicy);
    EXPECT_EQ(spd.size(), 0U);
}

TEST(Spd, RefusesMixedFamiliesAndEmptyTemplates) {
    Spd spd;
    Policy mixed = policy("0.0.0.0/0", "::/0", Action::Bypass);
    EXPECT_EQ(spd.add(mixed).error(), SpdError::MixedAddressFamilies);
    Policy empty = policy("0.0.0.0/0", "0.0.0.0/0", Action::Protect);
    empty.protect.protocols.clear();
    EXPECT_EQ(spd.add(empty).error(), SpdError::EmptyTemplate);
}

// The trie must give exactly what a linear first-match scan gives.
TEST(Spd, AgreesWithALinearScan) {
    std::mt19937 mt(7);
    auto rng = [&mt]() { return static_cast<std::uint32_t>(mt()); };
    Spd spd;
    std::vector<Policy> all;
    for (int i = 0; i < 400; ++i) {
        Policy p;
        p.direction = Direction::Outbound;
        p.priority = rng() % 50;
        const std::uint32_t base = 0xc6336400U + (rng() % 256);  // 198.51.100.x
        const std::uint32_t span = rng() % 40;
        p.selector.local = AddressRange::any(packet::IpVersion::V4);
        p.selector.remote = {IpAddress::v4(base), IpAddress::v4(base + span)};
        if (rng() % 3 == 0) p.selector.protocol = 17;
        if (rng() % 4 == 0) p.selector.remote_ports = {50, 60};
        p.action = static_cast<Action>(rng() % 3);
        auto id = spd.add(p);
        ASSERT_TRUE(id.ok());
        p.id = *id;
        all.push_back(p);
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const Policy& a, const Policy& b) { return a.priority < b.priority; });
    for (int i = 0; i < 3000; ++i) {
        PacketFields f = fields("192.0.2.1", "0.0.0.0", (rng() % 2) != 0 ? 17 : 6, 1000,
                                static_cast<std::uint16_t>(45 + rng() % 20));
        f.dst = IpAddress::v4(0xc6336400U + (rng() % 300));
        const Policy* expect = nullptr;
        for (const Policy& p : all) {
            if (matches(p.selector, f, Direction::Outbound)) {
                expect = &p;
                break;
            }
        }
        const Policy* got = spd.lookup(f, Direction::Outbound);
        ASSERT_EQ(got == nullptr, expect == nullptr) << f.dst.to_string();
        if (got != nullptr) {
            ASSERT_EQ(got->id, expect->id) << f.dst.to_string();
        }
    }
}

}  // namespace
}  // namespace strata::ipsec
