#include "packet/address.hpp"

#include <gtest/gtest.h>

#include <array>
#include <unordered_set>
#include <vector>

namespace strata::packet {
namespace {

TEST(IpAddress, ParsesAndFormatsV4) {
    auto a = IpAddress::parse("192.0.2.1");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->is_v4());
    EXPECT_EQ(a->size(), 4U);
    EXPECT_EQ(a->to_string(), "192.0.2.1");
    EXPECT_EQ(*a, IpAddress::v4(0xc0000201U));
    EXPECT_EQ(*a, IpAddress::v4({192, 0, 2, 1}));
}

TEST(IpAddress, ParsesAndFormatsV6Compressed) {
    auto a = IpAddress::parse("2001:0db8:0000:0000:0000:0000:0000:0001");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->is_v6());
    EXPECT_EQ(a->bytes().size(), 16U);
    EXPECT_EQ(a->to_string(), "2001:db8::1");  // RFC 5952 form
}

TEST(IpAddress, RejectsBadText) {
    for (const char* s :
         {"", "1.2.3", "256.1.1.1", "1.2.3.4.5", "2001:db8::1::2", "fe80::1%eth0", "x", " 1.2.3.4"}) {
        EXPECT_FALSE(IpAddress::parse(s)) << s;
    }
    EXPECT_FALSE(IpAddress::parse(std::string(100, '1')));
}

TEST(IpAddress, FromBytesNeeds4Or16) {
    const std::uint8_t b[5] = {1, 2, 3, 4, 5};
    EXPECT_TRUE(IpAddress::from_bytes(core::ByteView(b, 4)));
    EXPECT_FALSE(IpAddress::from_bytes(core::ByteView(b, 5)));
    EXPECT_FALSE(IpAddress::from_bytes({}));
}

TEST(IpAddress, OrdersByVersionThenBytesAndHashes) {
    const auto a = *IpAddress::parse("10.0.0.1");
    const auto b = *IpAddress::parse("10.0.0.2");
    const auto c = *IpAddress::parse("::1");
    const auto zero6 = *IpAddress::parse("::");
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_NE(IpAddress::v4(0U), zero6);  // same bytes, different version
    std::unordered_set<IpAddress> set{a, b, c, a};
    EXPECT_EQ(set.size(), 3U);
    EXPECT_EQ(std::hash<IpAddress>{}(a), std::hash<IpAddress>{}(*IpAddress::parse("10.0.0.1")));
}

// operator== (two 8-byte words) agrees with the ordering for every pair.
TEST(IpAddress, EqualityAgreesWithOrdering) {
    std::vector<IpAddress> all;
    // "a00:1::" has the bytes of 10.0.0.1 in front: only the version differs.
    for (const char* t : {"0.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.1", "255.255.255.255", "::", "::1",
                          "a00:1::", "2001:db8::1", "2001:db8::1:0:0:1", "2001:db8::2"}) {
        auto a = IpAddress::parse(t);
        ASSERT_TRUE(a) << t;
        all.push_back(*a);
    }
    for (const auto& a : all) {
        for (const auto& b : all) EXPECT_EQ(a == b, (a <=> b) == 0) << a.to_string() << " " << b.to_string();
    }
    // The inline v4 constructors give what parsing gives.
    EXPECT_EQ(IpAddress::v4(0xc0000201U), *IpAddress::parse("192.0.2.1"));
    EXPECT_EQ(IpAddress::v4(std::array<std::uint8_t, 4>{198, 51, 100, 255}),
              *IpAddress::parse("198.51.100.255"));
    EXPECT_TRUE(IpAddress::v4(0xc0000201U).is_v4());
}

TEST(IpPrefix, ClearsHostBitsAndContains) {
    auto p = IpPrefix::parse("10.1.2.3/12");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->to_string(), "10.0.0.0/12");
    EXPECT_TRUE(p->contains(*IpAddress::parse("10.15.255.255")));
    EXPECT_FALSE(p->contains(*IpAddress::parse("10.16.0.0")));
    EXPECT_FALSE(p->contains(*IpAddress::parse("::a01:203")));  // other version
    EXPECT_TRUE(p->contains(*IpPrefix::parse("10.8.0.0/16")));
    EXPECT_FALSE(p->contains(*IpPrefix::parse("10.0.0.0/8")));
}

TEST(IpPrefix, V6AndEdgeLengths) {
    auto p = *IpPrefix::parse("2001:db8:abcd::/33");
    EXPECT_EQ(p.to_string(), "2001:db8:8000::/33");
    EXPECT_TRUE(p.contains(*IpAddress::parse("2001:db8:ffff::1")));
    EXPECT_FALSE(p.contains(*IpAddress::parse("2001:db8:7fff::1")));
    auto all = *IpPrefix::parse("::/0");
    EXPECT_TRUE(all.contains(*IpAddress::parse("ffff::1")));
    auto host = *IpPrefix::parse("192.0.2.7");
    EXPECT_EQ(host.length(), 32U);
    EXPECT_TRUE(host.contains(*IpAddress::parse("192.0.2.7")));
    EXPECT_FALSE(host.contains(*IpAddress::parse("192.0.2.6")));
}

TEST(IpPrefix, RejectsBadPrefixes) {
    for (const char* s :
         {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "/8", "10.0.0.0/+8"}) {
        EXPECT_FALSE(IpPrefix::parse(s)) << s;
    }
    EXPECT_FALSE(IpPrefix::make(IpAddress::v4(0U), 33));
}

}  // namespace
}  // namespace strata::packet
