#include "packet/icmp.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace strata::packet {
namespace {

using core::Bytes;
using core::Error;

core::ByteView text(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

const IpAddress kSrc6 = *IpAddress::parse("2001:db8::1");
const IpAddress kDst6 = *IpAddress::parse("2001:db8::2");

TEST(Icmp, KnownEchoRequestV4) {
    // The classic Windows ping: id 1, seq 1, "abcdefghijklmnopqrstuvwabcdefghi", checksum 4d5a.
    Bytes out;
    core::Writer w(out);
    const auto m =
        make_echo(IpVersion::V4, EchoKind::Request, {1, 1, text("abcdefghijklmnopqrstuvwabcdefghi")});
    ASSERT_TRUE(write_icmpv4(w, m));
    ASSERT_EQ(out.size(), 40U);
    EXPECT_EQ(out[0], 8);
    EXPECT_EQ(out[2], 0x4d);
    EXPECT_EQ(out[3], 0x5a);
    auto r = parse_icmpv4(out);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->checksum, 0x4d5a);
    auto e = echo_of(IpVersion::V4, *r);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->identifier, 1);
    EXPECT_EQ(e->sequence, 1);
    EXPECT_EQ(e->data.size(), 32U);
    EXPECT_EQ(echo_kind(IpVersion::V4, r->type), EchoKind::Request);
}

TEST(Icmp, KnownEchoRequestV6AndReply) {
    Bytes out;
    core::Writer w(out);
    const auto req = make_echo(IpVersion::V6, EchoKind::Request, {0x1234, 7, text("ping")});
    ASSERT_TRUE(write_icmpv6(w, req, kSrc6, kDst6));
    EXPECT_EQ(out[0], 128);
    EXPECT_EQ(out[2], 0x33);  // computed independently over the RFC 4443 §2.3 pseudo-header
    EXPECT_EQ(out[3], 0x38);
    auto parsed = parse_icmpv6(out, kSrc6, kDst6);
    ASSERT_TRUE(parsed) << to_string(parsed.error());
    // The pseudo-header binds the addresses.
    EXPECT_EQ(parse_icmpv6(out, kSrc6, kSrc6).error(),
              Error::BadChecksum);  // (swapping src and dst would not: the sum commutes)

    auto echo = echo_of(IpVersion::V6, *parsed);
    ASSERT_TRUE(echo);
    Bytes reply_bytes;
    core::Writer rw(reply_bytes);
    ASSERT_TRUE(write_icmpv6(rw, make_echo(IpVersion::V6, EchoKind::Reply, *echo), kDst6, kSrc6));
    auto reply = parse_icmpv6(reply_bytes, kDst6, kSrc6);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->type, icmp::kV6EchoReply);
    EXPECT_EQ(echo_kind(IpVersion::V6, reply->type), EchoKind::Reply);
    EXPECT_EQ(echo_of(IpVersion::V6, *reply)->identifier, 0x1234);
    EXPECT_TRUE(core::equal_public(echo_of(IpVersion::V6, *reply)->data, text("ping")));
}

TEST(Icmp, NonEchoMessagesAreNotEchoes) {
    IcmpMessage m;
    m.type = icmp::kV4DestinationUnreachable;
    m.code = 4;
    m.rest = 1400;  // next-hop MTU
    EXPECT_FALSE(echo_of(IpVersion::V4, m));
    m.type = icmp::kV4EchoRequest;
    EXPECT_FALSE(echo_of(IpVersion::V4, m));  // code must be 0
    m.code = 0;
    EXPECT_FALSE(echo_of(IpVersion::V6, m));  // 8 is not an ICMPv6 echo
    EXPECT_FALSE(echo_kind(IpVersion::V6, icmp::kV4EchoReply));
}

TEST(Icmp, MalformedMessagesFailWithTheirOwnError) {
    Bytes out;
    core::Writer w(out);
    ASSERT_TRUE(write_icmpv4(w, make_echo(IpVersion::V4, EchoKind::Reply, {9, 9, text("x")})));
    EXPECT_EQ(parse_icmpv4(core::ByteView(out).first(7)).error(), Error::Truncated);
    Bytes flipped = out;
    flipped[8] ^= 0x20;
    EXPECT_EQ(parse_icmpv4(flipped).error(), Error::BadChecksum);
    EXPECT_EQ(parse_icmpv6(out, *IpAddress::parse("10.0.0.1"), kDst6).error(), Error::BadVersion);
    EXPECT_EQ(parse_icmpv6(core::ByteView(out).first(4), kSrc6, kDst6).error(), Error::Truncated);
    Bytes sink;
    core::Writer sw(sink);
    EXPECT_EQ(write_icmpv6(sw, IcmpMessage{}, kSrc6, *IpAddress::parse("10.0.0.1")).error(),
              Error::BadVersion);
    const Bytes big(0xffff - 7, 0);
    IcmpMessage m;
    m.data = big;
    EXPECT_EQ(write_icmpv4(sw, m).error(), Error::BadLength);
    EXPECT_EQ(write_icmpv6(sw, m, kSrc6, kDst6).error(), Error::BadLength);
}

}  // namespace
}  // namespace strata::packet
