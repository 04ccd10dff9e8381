#include "packet/checksum.hpp"

#include <gtest/gtest.h>

#include <array>

namespace strata::packet {
namespace {

// RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is ~ddf2.
constexpr std::array<std::uint8_t, 8> kRfc1071{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

TEST(Checksum, Rfc1071Example) {
    ChecksumAccumulator acc;
    acc.add(kRfc1071);
    EXPECT_EQ(acc.folded_sum(), 0xddf2);
    EXPECT_EQ(acc.finish(), 0x220d);
    EXPECT_EQ(internet_checksum(kRfc1071), 0x220d);
}

TEST(Checksum, SplitAtOddOffsetsGivesSameSum) {
    for (std::size_t cut = 0; cut <= kRfc1071.size(); ++cut) {
        ChecksumAccumulator acc;
        acc.add(core::ByteView(kRfc1071).first(cut));
        acc.add(core::ByteView(kRfc1071).subspan(cut));
        EXPECT_EQ(acc.finish(), 0x220d) << cut;
    }
    ChecksumAccumulator words;
    words.add_u16(0x0001);
    words.add_u32(0xf203f4f5);
    words.add_u16(0xf6f7);
    EXPECT_EQ(words.finish(), 0x220d);
}

TEST(Checksum, OddLengthPadsWithZero) {
    const std::array<std::uint8_t, 3> odd{0x12, 0x34, 0x56};
    const std::array<std::uint8_t, 4> padded{0x12, 0x34, 0x56, 0x00};
    EXPECT_EQ(internet_checksum(odd), internet_checksum(padded));
    EXPECT_EQ(internet_checksum({}), 0xffff);
}

TEST(Checksum, DataWithItsChecksumSumsToZero) {
    // A captured IPv4 header whose checksum field is b861.
    const std::array<std::uint8_t, 20> hdr{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                           0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    EXPECT_EQ(internet_checksum(hdr), 0);
    auto zeroed = hdr;
    zeroed[10] = zeroed[11] = 0;
    EXPECT_EQ(internet_checksum(zeroed), 0xb861);
}

TEST(Checksum, PseudoHeaders) {
    const auto s4 = *IpAddress::parse("192.0.2.1");
    const auto d4 = *IpAddress::parse("198.51.100.2");
    ChecksumAccumulator a;
    add_pseudo_header_v4(a, s4, d4, 17, 14);
    ChecksumAccumulator b;  // the same 12 bytes by hand
    b.add(s4.bytes());
    b.add(d4.bytes());
    b.add_u16(0x0011);
    b.add_u16(14);
    EXPECT_EQ(a.folded_sum(), b.folded_sum());

    const auto s6 = *IpAddress::parse("2001:db8::1");
    const auto d6 = *IpAddress::parse("2001:db8::2");
    ChecksumAccumulator c;
    add_pseudo_header_v6(c, s6, d6, 58, 0x10000);
    ChecksumAccumulator d;
    d.add(s6.bytes());
    d.add(d6.bytes());
    d.add_u32(0x10000);
    d.add_u32(58);
    EXPECT_EQ(c.folded_sum(), d.folded_sum());

    ChecksumAccumulator e;
    EXPECT_FALSE(add_pseudo_header(e, s4, d6, 17, 8));
    EXPECT_FALSE(add_pseudo_header(e, s4, d4, 17, 0x10000));
    EXPECT_EQ(e.folded_sum(), 0);
    EXPECT_TRUE(add_pseudo_header(e, s6, d6, 58, 0x10000));
    EXPECT_EQ(e.folded_sum(), c.folded_sum());
}

}  // namespace
}  // namespace strata::packet
