#include "packet/ipv6.hpp"

#include <gtest/gtest.h>

#include <array>

#include "packet/ip_protocol.hpp"

namespace strata::packet {
namespace {

using core::Bytes;
using core::Error;

Ipv6Header header(std::uint8_t next) {
    Ipv6Header h;
    h.traffic_class = 0xb8;
    h.flow_label = 0xabcde;
    h.next_header = next;
    h.hop_limit = 7;
    h.src = *IpAddress::parse("2001:db8::1");
    h.dst = *IpAddress::parse("2001:db8:ff::2");
    return h;
}

// packet builds the fixed header for next, then runs fill to add the payload.
template <typename Fill>
Bytes packet(std::uint8_t next, Fill fill) {
    Bytes payload;
    core::Writer w(payload);
    fill(w);
    EXPECT_TRUE(w.ok());
    auto p = build_ipv6(header(next), payload);
    EXPECT_TRUE(p);
    return *p;
}

const std::array<std::uint8_t, 6> kPadN4{0x01, 0x04, 0, 0, 0, 0};  // PadN filling an 8-byte header
const std::array<std::uint8_t, 4> kUdp{0x11, 0x94, 0x01, 0xf4};

TEST(Ipv6, FixedHeaderRoundTrip) {
    const Bytes p = packet(ipproto::kUdp, [](core::Writer& w) { w.bytes(kUdp); });
    ASSERT_EQ(p.size(), 44U);
    EXPECT_EQ(p[0], 0x6b);
    auto r = parse_ipv6(p);
    ASSERT_TRUE(r) << to_string(r.error());
    const Ipv6Header& h = r->header;
    EXPECT_EQ(h.traffic_class, 0xb8);
    EXPECT_EQ(h.flow_label, 0xabcdeU);
    EXPECT_EQ(h.payload_length, 4);
    EXPECT_EQ(h.hop_limit, 7);
    EXPECT_EQ(h.src.to_string(), "2001:db8::1");
    EXPECT_EQ(h.dst.to_string(), "2001:db8:ff::2");
    EXPECT_EQ(r->ext_count, 0U);
    EXPECT_EQ(r->upper_protocol, ipproto::kUdp);
    EXPECT_EQ(r->upper_offset, 40U);
    EXPECT_EQ(r->upper.size(), 4U);
    EXPECT_EQ(r->esp_insert_offset, 40U);
    EXPECT_EQ(r->esp_next_header_field, 6U);
    EXPECT_EQ(r->esp_next_header, ipproto::kUdp);
    auto again = build_ipv6(r->header, r->payload);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, p);
}

TEST(Ipv6, WalksChainAndFindsEspInsertionPoint) {
    // HbH(8) -> Routing(16) -> Fragment(8) -> DestOpts(8) -> UDP
    const std::array<std::uint8_t, 14> routing{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const Bytes p = packet(ipproto::kHopByHop, [&](core::Writer& w) {
        ASSERT_TRUE(write_ipv6_options_header(w, ipproto::kRouting, kPadN4));
        ASSERT_TRUE(write_ipv6_options_header(w, ipproto::kFragment, routing));
        ASSERT_TRUE(write_ipv6_fragment_header(w, ipproto::kDestinationOptions, {0, true, 0xdeadbeef}));
        ASSERT_TRUE(write_ipv6_options_header(w, ipproto::kUdp, kPadN4));
        w.bytes(kUdp);
    });
    auto r = parse_ipv6(p);
    ASSERT_TRUE(r) << to_string(r.error());
    ASSERT_EQ(r->ext_count, 4U);
    const auto ext = r->extension_headers();
    EXPECT_EQ(ext[0].type, ipproto::kHopByHop);
    EXPECT_EQ(ext[1].type, ipproto::kRouting);
    EXPECT_EQ(ext[1].offset, 48U);
    EXPECT_EQ(ext[1].length, 16U);
    EXPECT_EQ(ext[2].type, ipproto::kFragment);
    EXPECT_EQ(ext[3].type, ipproto::kDestinationOptions);
    EXPECT_EQ(ext[3].next_header, ipproto::kUdp);
    EXPECT_EQ(r->upper_protocol, ipproto::kUdp);
    EXPECT_EQ(r->upper_offset, 80U);
    EXPECT_EQ(r->upper.size(), 4U);
    ASSERT_TRUE(r->fragment);
    EXPECT_EQ(r->fragment->offset, 0);
    EXPECT_TRUE(r->fragment->more);
    EXPECT_EQ(r->fragment->identification, 0xdeadbeefU);
    // RFC 4303 §3.1.1: ESP after the fragment header, before the final dest opts.
    EXPECT_EQ(r->esp_insert_offset, 72U);
    EXPECT_EQ(r->esp_next_header_field, 64U);
    EXPECT_EQ(r->esp_next_header, ipproto::kDestinationOptions);
    EXPECT_EQ(p[r->esp_next_header_field], r->esp_next_header);
}

TEST(Ipv6, DestinationOptionsBeforeRoutingStayBeforeEsp) {
    const Bytes p = packet(ipproto::kDestinationOptions, [&](core::Writer& w) {
        ASSERT_TRUE(write_ipv6_options_header(w, ipproto::kRouting, kPadN4));
        ASSERT_TRUE(write_ipv6_options_header(w, ipproto::kTcp, kPadN4));
    });
    auto r = parse_ipv6(p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->esp_insert_offset, 56U);
    EXPECT_EQ(r->esp_next_header_field, 48U);
    EXPECT_EQ(r->esp_next_header, ipproto::kTcp);
    EXPECT_EQ(r->upper_protocol, ipproto::kTcp);
    EXPECT_TRUE(r->upper.empty());
}

TEST(Ipv6, WalksAhButInsertionStopsAtIt) {
    const Bytes p = packet(ipproto::kHopByHop, [&](core::Writer& w) {
        ASSERT_TRUE(write_ipv6_options_header(w, ipproto::kAh, kPadN4));
        w.u8(ipproto::kRouting);  // AH: next header, payload len 4 -> (4+2)*4 = 24 bytes (RFC 4302 §2.2)
        w.u8(4);
        w.zeros(22);
        ASSERT_TRUE(write_ipv6_options_header(w, ipproto::kIcmpv6, kPadN4));
        w.zeros(8);
    });
    auto r = parse_ipv6(p);
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->ext_count, 3U);
    EXPECT_EQ(r->upper_protocol, ipproto::kIcmpv6);
    EXPECT_EQ(r->upper_offset, 40U + 8 + 24 + 8);
    EXPECT_EQ(r->esp_insert_offset, 48U);  // not moved by the routing header after AH
}

TEST(Ipv6, StopsAtEspNoNextHeaderAndLaterFragments) {
    const Bytes esp = packet(ipproto::kEsp, [](core::Writer& w) { w.zeros(16); });
    EXPECT_EQ(parse_ipv6(esp)->upper_protocol, ipproto::kEsp);
    const Bytes none = packet(ipproto::kNoNextHeader, [](core::Writer& w) { w.zeros(3); });
    EXPECT_EQ(parse_ipv6(none)->upper_protocol, ipproto::kNoNextHeader);

    // A non-first fragment: what follows is fragment data, even if it looks
    // like an (overrunning) extension header.
    const Bytes later = packet(ipproto::kFragment, [](core::Writer& w) {
        ASSERT_TRUE(write_ipv6_fragment_header(w, ipproto::kHopByHop, {185, false, 7}));
        w.u8(0);
        w.u8(200);
    });
    auto r = parse_ipv6(later);
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->fragment->offset, 185);
    EXPECT_EQ(r->upper_protocol, ipproto::kHopByHop);
    EXPECT_EQ(r->upper_offset, 48U);
    EXPECT_EQ(r->upper.size(), 2U);
}

TEST(Ipv6, MalformedPacketsFailWithTheirOwnError) {
    const Bytes good = packet(ipproto::kUdp, [](core::Writer& w) { w.bytes(kUdp); });
    EXPECT_EQ(parse_ipv6(core::ByteView(good).first(39)).error(), Error::Truncated);
    Bytes v4 = good;
    v4[0] = 0x4b;
    EXPECT_EQ(parse_ipv6(v4).error(), Error::BadVersion);
    EXPECT_EQ(parse_ipv6(core::ByteView(good).first(43)).error(), Error::BadTotalLength);

    // HbH claiming 16 bytes with 8 present.
    Bytes overrun = packet(ipproto::kHopByHop, [](core::Writer& w) {
        w.u8(ipproto::kUdp);
        w.u8(1);
        w.zeros(6);
    });
    EXPECT_EQ(parse_ipv6(overrun).error(), Error::BadHeaderLength);
    // An extension header cut after its first byte.
    Bytes one_byte = packet(ipproto::kDestinationOptions, [](core::Writer& w) { w.u8(ipproto::kUdp); });
    EXPECT_EQ(parse_ipv6(one_byte).error(), Error::BadHeaderLength);
    // A fragment header cut short.
    Bytes short_frag = packet(ipproto::kFragment, [](core::Writer& w) { w.zeros(7); });
    EXPECT_EQ(parse_ipv6(short_frag).error(), Error::BadHeaderLength);

    // Nine destination options headers: one more than the limit.
    Bytes many = packet(ipproto::kDestinationOptions, [](core::Writer& w) {
        for (std::size_t i = 0; i < kMaxIpv6ExtensionHeaders + 1; ++i) {
            const bool last = i == kMaxIpv6ExtensionHeaders;
            ASSERT_TRUE(
                write_ipv6_options_header(w, last ? ipproto::kUdp : ipproto::kDestinationOptions, kPadN4));
        }
    });
    EXPECT_EQ(parse_ipv6(many).error(), Error::TooManyExtensionHeaders);
    // Exactly the limit is fine.
    Bytes limit = packet(ipproto::kDestinationOptions, [](core::Writer& w) {
        for (std::size_t i = 0; i < kMaxIpv6ExtensionHeaders; ++i) {
            const bool last = i + 1 == kMaxIpv6ExtensionHeaders;
            ASSERT_TRUE(
                write_ipv6_options_header(w, last ? ipproto::kUdp : ipproto::kDestinationOptions, kPadN4));
        }
    });
    EXPECT_TRUE(parse_ipv6(limit));
}

TEST(Ipv6, BuildersRejectWhatCannotBeEncoded) {
    Bytes out;
    core::Writer w(out);
    const std::array<std::uint8_t, 7> seven{};
    EXPECT_EQ(write_ipv6_options_header(w, 0, seven).error(), Error::BadHeaderLength);
    const Bytes huge(2047, 0);
    EXPECT_EQ(write_ipv6_options_header(w, 0, huge).error(), Error::BadHeaderLength);
    EXPECT_TRUE(write_ipv6_options_header(w, 0, core::ByteView(huge).first(2046)));
    EXPECT_EQ(out[1], 255);
    Ipv6Header h = header(ipproto::kUdp);
    const Bytes big(0x10000, 0);
    EXPECT_EQ(build_ipv6(h, big).error(), Error::BadTotalLength);
    h.src = *IpAddress::parse("10.0.0.1");
    EXPECT_EQ(build_ipv6(h, {}).error(), Error::BadVersion);
}

}  // namespace
}  // namespace strata::packet
