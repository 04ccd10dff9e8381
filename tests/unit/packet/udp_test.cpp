#include "packet/udp.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace strata::packet {
namespace {

using core::Bytes;
using core::Error;

const IpAddress kSrc4 = *IpAddress::parse("192.0.2.1");
const IpAddress kDst4 = *IpAddress::parse("198.51.100.2");
const IpAddress kSrc6 = *IpAddress::parse("2001:db8::1");
const IpAddress kDst6 = *IpAddress::parse("2001:db8::2");

core::ByteView payload() {
    static constexpr std::string_view kText = "strata";
    return {reinterpret_cast<const std::uint8_t*>(kText.data()), kText.size()};
}

TEST(Udp, KnownChecksumsOverBothPseudoHeaders) {
    // Checksums computed independently (Python) over the RFC 768 and RFC 8200 §8.1 pseudo-headers.
    auto v4 = build_udp(4500, 500, payload(), kSrc4, kDst4);
    ASSERT_TRUE(v4);
    EXPECT_EQ(*v4, (Bytes{0x11, 0x94, 0x01, 0xf4, 0x00, 0x0e, 0xa5, 0xdb, 's', 't', 'r', 'a', 't', 'a'}));
    auto v6 = build_udp(4500, 500, payload(), kSrc6, kDst6);
    ASSERT_TRUE(v6);
    EXPECT_EQ((*v6)[6], 0x36);
    EXPECT_EQ((*v6)[7], 0x9e);
}

TEST(Udp, RoundTripBothVersions) {
    for (const auto& [s, d] : {std::pair{kSrc4, kDst4}, std::pair{kSrc6, kDst6}}) {
        auto b = build_udp(53, 33000, payload(), s, d);
        ASSERT_TRUE(b);
        auto r = parse_udp(*b, s, d);
        ASSERT_TRUE(r) << to_string(r.error());
        EXPECT_EQ(r->header.src_port, 53);
        EXPECT_EQ(r->header.dst_port, 33000);
        EXPECT_EQ(r->header.length, 14);
        EXPECT_TRUE(core::equal_public(r->payload, payload()));
        // The checksum binds the addresses: another destination fails.
        EXPECT_EQ(parse_udp(*b, s, s).error(), Error::BadChecksum);
    }
}

TEST(Udp, ZeroChecksumAllowedForIpv4Only) {
    auto v4 = build_udp(4500, 4500, payload(), kSrc4, kDst4, UdpChecksum::Omit);
    ASSERT_TRUE(v4);
    EXPECT_EQ((*v4)[6], 0);
    EXPECT_EQ((*v4)[7], 0);
    EXPECT_TRUE(parse_udp(*v4, kSrc4, kDst4));
    EXPECT_TRUE(parse_udp(*v4, kSrc4, kSrc4));  // nothing to check
    // RFC 8200 §8.1: a zero UDP checksum over IPv6 is discarded.
    EXPECT_EQ(parse_udp(*v4, kSrc6, kDst6).error(), Error::BadChecksum);
    EXPECT_EQ(build_udp(1, 2, {}, kSrc6, kDst6, UdpChecksum::Omit).error(), Error::BadChecksum);
}

TEST(Udp, ComputedZeroIsSentAsAllOnes) {
    // Search the one payload word that makes the computed checksum 0: a
    // computed 0xffff is impossible (the sum of non-zero data is never 0), so
    // a 0xffff on the wire can only be RFC 768's "zero sent as all ones".
    bool found = false;
    for (std::uint32_t word = 0; word <= 0xffff && !found; ++word) {
        const Bytes data{static_cast<std::uint8_t>(word >> 8), static_cast<std::uint8_t>(word)};
        auto b = build_udp(1000, 2000, data, kSrc4, kDst4);
        ASSERT_TRUE(b);
        if ((*b)[6] == 0xff && (*b)[7] == 0xff) {
            found = true;
            EXPECT_TRUE(parse_udp(*b, kSrc4, kDst4));
        }
    }
    EXPECT_TRUE(found);
}

TEST(Udp, MalformedDatagramsFailWithTheirOwnError) {
    const Bytes good = *build_udp(4500, 500, payload(), kSrc4, kDst4);
    EXPECT_EQ(parse_udp(core::ByteView(good).first(7), kSrc4, kDst4).error(), Error::Truncated);
    EXPECT_EQ(parse_udp(core::ByteView(good).first(13), kSrc4, kDst4).error(),
              Error::BadLength);  // length > segment
    Bytes longer = good;
    longer.push_back(0);
    EXPECT_EQ(parse_udp(longer, kSrc4, kDst4).error(), Error::BadLength);  // length < segment
    Bytes tiny = good;
    tiny[5] = 7;
    EXPECT_EQ(parse_udp(tiny, kSrc4, kDst4).error(), Error::BadLength);
    Bytes flipped = good;
    flipped[9] ^= 0x01;
    EXPECT_EQ(parse_udp(flipped, kSrc4, kDst4).error(), Error::BadChecksum);
    EXPECT_EQ(parse_udp(good, kSrc4, kDst6).error(), Error::BadVersion);
    EXPECT_EQ(build_udp(1, 2, {}, kSrc4, kDst6).error(), Error::BadVersion);
    const Bytes big(0xffff - 7, 0);
    EXPECT_EQ(build_udp(1, 2, big, kSrc4, kDst4).error(), Error::BadLength);
}

}  // namespace
}  // namespace strata::packet
