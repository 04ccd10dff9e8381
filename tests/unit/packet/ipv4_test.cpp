#include "packet/ipv4.hpp"

#include <gtest/gtest.h>

#include <array>

#include "packet/checksum.hpp"
#include "packet/ip_protocol.hpp"

namespace strata::packet {
namespace {

using core::Bytes;
using core::Error;

// A captured IPv4/UDP header: 192.168.0.1 -> 192.168.0.199, total length 115,
// DF, TTL 64, checksum b861.
Bytes captured() {
    Bytes p{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
            0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    p.resize(115, 0xab);
    return p;
}

Ipv4Header sample_header() {
    Ipv4Header h;
    h.tos = 0x2e;
    h.identification = 0x1234;
    h.flags = kIpv4FlagMoreFragments;
    h.fragment_offset = 0x0abc;
    h.ttl = 17;
    h.protocol = ipproto::kEsp;
    h.src = *IpAddress::parse("198.51.100.1");
    h.dst = *IpAddress::parse("203.0.113.9");
    return h;
}

TEST(Ipv4, ParsesCapturedHeader) {
    const Bytes p = captured();
    auto r = parse_ipv4(p);
    ASSERT_TRUE(r) << to_string(r.error());
    const Ipv4Header& h = r->header;
    EXPECT_EQ(h.header_length(), 20U);
    EXPECT_EQ(h.total_length, 115);
    EXPECT_TRUE(h.dont_fragment());
    EXPECT_FALSE(h.is_fragment());
    EXPECT_EQ(h.ttl, 64);
    EXPECT_EQ(h.protocol, ipproto::kUdp);
    EXPECT_EQ(h.checksum, 0xb861);
    EXPECT_EQ(h.src.to_string(), "192.168.0.1");
    EXPECT_EQ(h.dst.to_string(), "192.168.0.199");
    EXPECT_TRUE(h.options.empty());
    EXPECT_EQ(r->payload.size(), 95U);
}

TEST(Ipv4, BuildsTheCapturedHeaderByteForByte) {
    const Bytes p = captured();
    auto parsed = parse_ipv4(p);
    ASSERT_TRUE(parsed);
    auto built = build_ipv4(parsed->header, parsed->payload);
    ASSERT_TRUE(built);
    EXPECT_EQ(*built, p);
}

TEST(Ipv4, RoundTripWithOptions) {
    Ipv4Header h = sample_header();
    const std::array<std::uint8_t, 8> options{0x94, 0x04, 0x00, 0x00,
                                              0x01, 0x01, 0x01, 0x00};  // router alert, NOPs, EOL
    h.options = options;
    const std::array<std::uint8_t, 5> payload{1, 2, 3, 4, 5};
    auto built = build_ipv4(h, payload);
    ASSERT_TRUE(built);
    ASSERT_EQ(built->size(), 33U);
    EXPECT_EQ((*built)[0], 0x47);  // IHL 7
    auto r = parse_ipv4(*built);
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->header.tos, 0x2e);
    EXPECT_EQ(r->header.identification, 0x1234);
    EXPECT_TRUE(r->header.more_fragments());
    EXPECT_FALSE(r->header.dont_fragment());
    EXPECT_EQ(r->header.fragment_offset, 0x0abc);
    EXPECT_EQ(r->header.ttl, 17);
    EXPECT_EQ(r->header.protocol, ipproto::kEsp);
    EXPECT_EQ(r->header.src, h.src);
    EXPECT_EQ(r->header.dst, h.dst);
    EXPECT_TRUE(core::equal_public(r->header.options, options));
    EXPECT_TRUE(core::equal_public(r->payload, payload));
}

TEST(Ipv4, IgnoresLinkPaddingPastTotalLength) {
    Bytes p = captured();
    p.insert(p.end(), {0, 0, 0});
    auto r = parse_ipv4(p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->payload.size(), 95U);
}

TEST(Ipv4, MalformedHeadersFailWithTheirOwnError) {
    const Bytes good = captured();
    EXPECT_EQ(parse_ipv4(core::ByteView(good).first(19)).error(), Error::Truncated);
    EXPECT_EQ(parse_ipv4({}).error(), Error::Truncated);

    Bytes v6 = good;
    v6[0] = 0x65;
    EXPECT_EQ(parse_ipv4(v6).error(), Error::BadVersion);

    Bytes ihl4 = good;
    ihl4[0] = 0x44;
    EXPECT_EQ(parse_ipv4(ihl4).error(), Error::BadHeaderLength);

    Bytes ihl15 = good;  // header of 60 bytes in a 40-byte buffer
    ihl15[0] = 0x4f;
    EXPECT_EQ(parse_ipv4(core::ByteView(ihl15).first(40)).error(), Error::Truncated);

    EXPECT_EQ(parse_ipv4(core::ByteView(good).first(114)).error(), Error::BadTotalLength);  // total > buffer

    Bytes short_total = good;  // total length 19 < header length 20
    short_total[2] = 0;
    short_total[3] = 19;
    EXPECT_EQ(parse_ipv4(short_total).error(), Error::BadTotalLength);

    Bytes flipped = good;
    flipped[8] = 0x3f;  // TTL changed, checksum not
    EXPECT_EQ(parse_ipv4(flipped).error(), Error::BadChecksum);
}

TEST(Ipv4, BuilderRejectsWhatCannotBeEncoded) {
    Ipv4Header h = sample_header();
    const std::array<std::uint8_t, 44> long_opts{};
    h.options = core::ByteView(long_opts);
    EXPECT_EQ(build_ipv4(h, {}).error(), Error::BadHeaderLength);
    h.options = core::ByteView(long_opts).first(6);
    EXPECT_EQ(build_ipv4(h, {}).error(), Error::BadHeaderLength);
    h.options = {};
    const Bytes big(0xffff - 19, 0);
    EXPECT_EQ(build_ipv4(h, big).error(), Error::BadTotalLength);
    EXPECT_TRUE(build_ipv4(h, core::ByteView(big).first(big.size() - 1)));
    h.dst = *IpAddress::parse("::1");
    EXPECT_EQ(build_ipv4(h, {}).error(), Error::BadVersion);
}

TEST(Ipv4, WriterIntoFixedBufferReportsOverflow) {
    std::array<std::uint8_t, 19> small{};
    core::Writer w{core::MutableByteView(small)};
    EXPECT_EQ(write_ipv4_header(w, sample_header(), 0).error(), Error::WriterOverflow);
}

}  // namespace
}  // namespace strata::packet
