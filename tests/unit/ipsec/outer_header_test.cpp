// OuterHeader: the per-SA template writes the same header as building it
// field by field (push_outer_header from the SaConfig).
#include "ipsec/outer_header.hpp"

#include <gtest/gtest.h>

#include "ipsec/tunnel.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"

namespace strata::ipsec {
namespace {

using packet::IpAddress;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

std::unique_ptr<SecurityAssociation> tunnel_sa(const char* src, const char* dst, std::uint8_t ttl) {
    SaConfig c;
    c.spi = 0x4242;
    c.mode = Mode::Tunnel;
    c.src = ip(src);
    c.dst = ip(dst);
    c.tunnel_ttl = ttl;
    c.encryption = crypto::find_encryption("aes128gcm16");
    c.encryption_key = core::SecretBytes(c.encryption->key_len + c.encryption->salt_len);
    auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
    EXPECT_TRUE(sa.ok());
    return std::move(sa).value();
}

void expect_same_bytes(const SecurityAssociation& sa, std::size_t payload, const OuterHeaderParams& p) {
    PacketBuffer from_template;
    PacketBuffer from_config;
    const core::Bytes body(payload, 0x33);
    ASSERT_TRUE(from_template.assign(body).ok());
    ASSERT_TRUE(from_config.assign(body).ok());
    ASSERT_TRUE(push_outer_header(sa, from_template, p).ok());
    ASSERT_TRUE(push_outer_header(sa.config(), from_config, p).ok());
    EXPECT_TRUE(core::equal_public(from_template.view(), from_config.view()));
}

TEST(OuterHeader, Ipv4TemplateMatchesTheHeaderBuiltFieldByField) {
    auto sa = tunnel_sa("203.0.113.1", "203.0.113.2", 61);
    ASSERT_EQ(sa->outer_header().size(), 20U);
    for (unsigned tos : {0x00U, 0x02U, 0xb8U, 0xffU}) {
        for (bool df : {false, true}) {
            for (unsigned id : {0x0000U, 0x0001U, 0xbeefU, 0xffffU}) {
                for (std::size_t payload : {0UL, 1UL, 1436UL, 65515UL}) {
                    OuterHeaderParams p;
                    p.protocol = packet::ipproto::kEsp;
                    p.inner_tos = static_cast<std::uint8_t>(tos);
                    p.inner_dont_fragment = df;
                    p.ipv4_identification = static_cast<std::uint16_t>(id);
                    expect_same_bytes(*sa, payload, p);
                }
            }
        }
    }
}

TEST(OuterHeader, Ipv4ChecksumVerifies) {
    auto sa = tunnel_sa("198.51.100.254", "192.0.2.255", 255);
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(core::Bytes(100, 0)).ok());
    OuterHeaderParams p;
    p.protocol = packet::ipproto::kEsp;
    p.inner_tos = 0xfc;
    p.ipv4_identification = 0xfffe;
    p.inner_dont_fragment = true;
    ASSERT_TRUE(push_outer_header(*sa, buf, p).ok());
    auto parsed = packet::parse_ipv4(buf.view());  // verifies the checksum (RFC 791 §3.1)
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->header.ttl, 255);
    EXPECT_EQ(parsed->header.total_length, 120);
}

TEST(OuterHeader, Ipv6TemplateMatchesTheHeaderBuiltFieldByField) {
    auto sa = tunnel_sa("2001:db8::1", "2001:db8:1::2", 17);
    ASSERT_EQ(sa->outer_header().size(), 40U);
    for (unsigned tos : {0x00U, 0x03U, 0xb8U}) {
        OuterHeaderParams p;
        p.protocol = packet::ipproto::kEsp;
        p.inner_tos = static_cast<std::uint8_t>(tos);
        expect_same_bytes(*sa, 1400, p);
    }
}

TEST(OuterHeader, OtherProtocolOrTooLongFallsBackOrFails) {
    auto sa = tunnel_sa("203.0.113.1", "203.0.113.2", 64);
    OuterHeaderParams ah;
    ah.protocol = packet::ipproto::kAh;  // not the SA's own: built from the config
    expect_same_bytes(*sa, 64, ah);
    PacketBuffer big;
    ASSERT_TRUE(big.assign(core::Bytes(65516, 0)).ok());
    OuterHeaderParams esp;
    esp.protocol = packet::ipproto::kEsp;
    EXPECT_EQ(push_outer_header(*sa, big, esp).error(), Drop::UnsupportedPacket);
    EXPECT_EQ(OuterHeader{}.size(), 0U);
    std::array<std::uint8_t, 20> out{};
    EXPECT_FALSE(OuterHeader{}.write(out, OuterHeaderFields{}));
}

}  // namespace
}  // namespace strata::ipsec
