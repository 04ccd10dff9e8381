#include "ipsec/ah.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "crypto/algorithm_table.hpp"
#include "packet/checksum.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"
#include "packet/udp.hpp"

namespace strata::ipsec {
namespace {

using packet::IpAddress;
using packet::IpVersion;

IpAddress addr(const char* text) { return *IpAddress::parse(text); }

core::SecretBytes key_bytes(std::size_t n, std::uint8_t seed) {
    core::SecretBytes k(n);
    for (std::size_t i = 0; i < n; ++i) k.data()[i] = static_cast<std::uint8_t>(seed + 3 * i);
    return k;
}

std::unique_ptr<SecurityAssociation> make_sa(Protocol proto, const std::string& alg, Mode mode, IpVersion v,
                                             bool esn, Direction dir, std::uint32_t spi) {
    SaConfig c;
    c.spi = spi;
    c.direction = dir;
    c.protocol = proto;
    c.mode = mode;
    const bool v4 = v == IpVersion::V4;
    c.src = addr(v4 ? "198.51.100.1" : "2001:db8:1::1");
    c.dst = addr(v4 ? "198.51.100.2" : "2001:db8:1::2");
    const auto plus = alg.find('+');
    const std::string integ = proto == Protocol::Ah ? alg : alg.substr(plus + 1);
    if (proto == Protocol::Esp) {
        c.encryption = crypto::find_encryption(alg.substr(0, plus));
        c.encryption_key = key_bytes(c.encryption->key_len + c.encryption->salt_len, 5);
    }
    if (proto == Protocol::Ah || plus != std::string::npos) {
        c.integrity = crypto::find_integrity(integ);
        EXPECT_NE(c.integrity, nullptr) << integ;
        c.integrity_key = key_bytes(c.integrity->key_len, proto == Protocol::Ah ? 11 : 17);
    }
    c.esn = esn;
    c.replay_window = 128;
    auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
    EXPECT_TRUE(sa.ok());
    return std::move(sa).value();
}

core::Bytes udp_packet(IpVersion v, std::size_t len, core::ByteView ipv4_options = {}) {
    core::Bytes payload(len, 0x5a);
    const bool v4 = v == IpVersion::V4;
    const IpAddress src = addr(v4 ? "10.1.0.1" : "fd00::1");
    const IpAddress dst = addr(v4 ? "10.2.0.1" : "fd00::2");
    auto udp = *packet::build_udp(4000, 5000, payload, src, dst);
    if (v4) {
        packet::Ipv4Header h;
        h.tos = 0x10;
        h.identification = 7;
        h.protocol = packet::ipproto::kUdp;
        h.src = src;
        h.dst = dst;
        h.options = ipv4_options;
        return *packet::build_ipv4(h, udp);
    }
    packet::Ipv6Header h;
    h.traffic_class = 0x20;
    h.flow_label = 0xabcde;
    h.next_header = packet::ipproto::kUdp;
    h.src = src;
    h.dst = dst;
    return *packet::build_ipv6(h, udp);
}

PacketBuffer buffer_of(core::ByteView b) {
    PacketBuffer buf;
    EXPECT_TRUE(buf.assign(b).ok());
    return buf;
}

core::Bytes bytes_of(const PacketBuffer& b) { return {b.view().begin(), b.view().end()}; }

void fix_ipv4_checksum(core::Bytes& p) {
    const std::size_t hlen = static_cast<std::size_t>(p[0] & 0x0f) * 4;
    p[10] = p[11] = 0;
    const std::uint16_t sum = packet::internet_checksum(core::ByteView(p).first(hlen));
    p[10] = static_cast<std::uint8_t>(sum >> 8);
    p[11] = static_cast<std::uint8_t>(sum);
}

using Param = std::tuple<std::string, Mode, IpVersion, bool>;
class AhRoundTrip : public ::testing::TestWithParam<Param> {};

TEST_P(AhRoundTrip, ProtectsAndRecovers) {
    const auto& [alg, mode, v, esn] = GetParam();
    auto out = make_sa(Protocol::Ah, alg, mode, v, esn, Direction::Outbound, 0x51);
    auto in = make_sa(Protocol::Ah, alg, mode, v, esn, Direction::Inbound, 0x51);
    if (esn) {
        out->set_next_sequence(0xffffffffULL);
        ASSERT_TRUE(in->replay()->accept(0xfffffffeULL));
    }
    for (std::size_t len : {0U, 7U, 300U}) {
        const core::Bytes original = udp_packet(v, len);
        PacketBuffer buf = buffer_of(original);
        auto sent = ah_outbound(*out, buf);
        ASSERT_TRUE(sent.ok()) << to_string(sent.error());
        const std::size_t ah_len = ah_length(*out, v);
        EXPECT_EQ(ah_len % (v == IpVersion::V4 ? 4 : 8), 0U);  // RFC 4302 §3.3.3.2.1
        EXPECT_EQ(buf.size(),
                  original.size() + ah_len + (mode == Mode::Tunnel ? (v == IpVersion::V4 ? 20 : 40) : 0));
        auto got = ah_inbound(*in, buf);
        ASSERT_TRUE(got.ok()) << to_string(got.error());
        EXPECT_EQ(got->sequence, sent->sequence);
        EXPECT_EQ(bytes_of(buf), original);
    }
}

std::string name_of(const ::testing::TestParamInfo<Param>& info) {
    return std::get<0>(info.param) + (std::get<1>(info.param) == Mode::Tunnel ? "_tunnel" : "_transport") +
           (std::get<2>(info.param) == IpVersion::V4 ? "_v4" : "_v6") +
           (std::get<3>(info.param) ? "_esn" : "");
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, AhRoundTrip,
                         ::testing::Combine(::testing::Values("md5", "sha1", "sha256"),
                                            ::testing::Values(Mode::Transport, Mode::Tunnel),
                                            ::testing::Values(IpVersion::V4, IpVersion::V6),
                                            ::testing::Bool()),
                         name_of);

struct Pair {
    std::unique_ptr<SecurityAssociation> out;
    std::unique_ptr<SecurityAssociation> in;
};

Pair ah_pair(IpVersion v, Mode mode = Mode::Transport, const char* alg = "sha256") {
    return {make_sa(Protocol::Ah, alg, mode, v, false, Direction::Outbound, 0x51),
            make_sa(Protocol::Ah, alg, mode, v, false, Direction::Inbound, 0x51)};
}

Drop drop_of(SecurityAssociation& in, core::ByteView wire) {
    PacketBuffer buf = buffer_of(wire);
    auto r = ah_inbound(in, buf);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Drop::Count_ : r.error();
}

TEST(Ah, Ipv4MutableFieldsMayChangeInTransit) {
    // Options: Router Alert (immutable, RFC 4302 A.1) and Record Route (mutable).
    const core::Bytes options{148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 1};
    auto p = ah_pair(IpVersion::V4);
    const core::Bytes original = udp_packet(IpVersion::V4, 20, options);
    PacketBuffer buf = buffer_of(original);
    ASSERT_TRUE(ah_outbound(*p.out, buf).ok());
    core::Bytes wire = bytes_of(buf);
    ASSERT_EQ(wire[9], packet::ipproto::kAh);
    core::Bytes alert = wire;  // Router Alert is covered (checked first: no window move)
    alert[23] = 1;
    fix_ipv4_checksum(alert);
    EXPECT_EQ(drop_of(*p.in, alert), Drop::IcvMismatch);

    core::Bytes changed = wire;
    changed[1] = 0x13;  // TOS (ECN marked)
    changed[6] = 0x40;  // DF set by a router
    changed[8] = 12;    // TTL
    changed[26] = 10;   // Record Route pointer and address
    changed[28] = 0xc0;
    fix_ipv4_checksum(changed);
    PacketBuffer rx = buffer_of(changed);
    auto got = ah_inbound(*p.in, rx);
    ASSERT_TRUE(got.ok()) << to_string(got.error());
    EXPECT_EQ(got->next_header, packet::ipproto::kUdp);
    EXPECT_EQ(bytes_of(rx).size(), original.size());
}

TEST(Ah, ImmutableChangeIsIcvMismatchAndWindowStays) {
    for (IpVersion v : {IpVersion::V4, IpVersion::V6}) {
        auto p = ah_pair(v);
        PacketBuffer buf = buffer_of(udp_packet(v, 50));
        ASSERT_TRUE(ah_outbound(*p.out, buf).ok());
        const core::Bytes wire = bytes_of(buf);
        core::Bytes bad = wire;
        bad[bad.size() - 1] ^= 0x80;  // payload
        EXPECT_EQ(drop_of(*p.in, bad), Drop::IcvMismatch);
        core::Bytes bad_dst = wire;
        bad_dst[v == IpVersion::V4 ? 19 : 39] ^= 1;  // destination address
        if (v == IpVersion::V4) fix_ipv4_checksum(bad_dst);
        EXPECT_EQ(drop_of(*p.in, bad_dst), Drop::IcvMismatch);
        EXPECT_EQ(p.in->replay()->highest(), 0U);
        EXPECT_EQ(p.in->counters().drops.get(Drop::IcvMismatch), 2U);
        PacketBuffer ok = buffer_of(wire);
        ASSERT_TRUE(ah_inbound(*p.in, ok).ok());
        EXPECT_EQ(drop_of(*p.in, wire), Drop::ReplayDuplicate);
    }
}

TEST(Ah, Ipv6MutableFieldsAndOptions) {
    // Hop-by-hop with one option that may change en route (type 0x3e: bit 0x20
    // set) and one that may not (type 0x1e), then UDP.
    const IpAddress src = addr("fd00::1");
    const IpAddress dst = addr("fd00::2");
    auto udp = *packet::build_udp(1, 2, core::Bytes(9, 1), src, dst);
    core::Bytes chain;
    core::Writer w(chain);
    ASSERT_TRUE(
        packet::write_ipv6_options_header(w, packet::ipproto::kUdp, core::Bytes{0x3e, 1, 0xaa, 0x1e, 1, 0xbb})
            .ok());
    w.bytes(udp);
    packet::Ipv6Header h;
    h.next_header = packet::ipproto::kHopByHop;
    h.src = src;
    h.dst = dst;
    const core::Bytes original = *packet::build_ipv6(h, chain);

    auto p = ah_pair(IpVersion::V6, Mode::Transport, "sha1");
    PacketBuffer buf = buffer_of(original);
    auto sent = ah_outbound(*p.out, buf);
    ASSERT_TRUE(sent.ok());
    EXPECT_EQ(sent->ah_offset, 48U);  // after hop-by-hop (RFC 4302 §3.1.1)
    const core::Bytes wire = bytes_of(buf);
    core::Bytes immutable = wire;
    immutable[47] = 0xcc;  // data of the immutable option
    EXPECT_EQ(drop_of(*p.in, immutable), Drop::IcvMismatch);

    core::Bytes changed = wire;
    changed[1] = 0x7f;  // traffic class / flow label
    changed[3] = 0x01;
    changed[7] = 1;      // hop limit
    changed[44] = 0xcc;  // data of the mutable option
    PacketBuffer rx = buffer_of(changed);
    auto got = ah_inbound(*p.in, rx);
    ASSERT_TRUE(got.ok()) << to_string(got.error());
    EXPECT_EQ(got->next_header, packet::ipproto::kUdp);
    EXPECT_EQ(rx.size(), original.size());
}

TEST(Ah, TruncatedAndMalformedHeaders) {
    auto p = ah_pair(IpVersion::V4);
    PacketBuffer buf = buffer_of(udp_packet(IpVersion::V4, 10));
    ASSERT_TRUE(ah_outbound(*p.out, buf).ok());
    const core::Bytes wire = bytes_of(buf);
    core::Bytes bad_len = wire;
    bad_len[21] = 3;  // payload length says 20 bytes: not 12 + a 16-byte ICV
    EXPECT_EQ(drop_of(*p.in, bad_len), Drop::Malformed);
    for (std::size_t keep : {4U, 11U, 20U}) {
        core::Bytes cut(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(20 + keep));
        cut[2] = 0;
        cut[3] = static_cast<std::uint8_t>(cut.size());
        fix_ipv4_checksum(cut);
        EXPECT_EQ(drop_of(*p.in, cut), Drop::Truncated) << keep;
    }
}

TEST(Ah, TunnelModeUsesSaEndpoints) {
    auto p = ah_pair(IpVersion::V4, Mode::Tunnel, "md5");
    const core::Bytes inner = udp_packet(IpVersion::V4, 33);
    PacketBuffer buf = buffer_of(inner);
    ASSERT_TRUE(ah_outbound(*p.out, buf).ok());
    auto outer = packet::parse_ipv4(buf.view());
    ASSERT_TRUE(outer.ok());
    EXPECT_EQ(outer->header.protocol, packet::ipproto::kAh);
    EXPECT_EQ(outer->header.src, addr("198.51.100.1"));
    core::Reader r(outer->payload);
    EXPECT_EQ(*r.u8(), packet::ipproto::kIpv4);
    auto got = ah_inbound(*p.in, buf);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(bytes_of(buf), inner);
}

// The lecture's bundle: encrypt with ESP, then authenticate the whole packet
// with AH; the receiver removes AH, then ESP.
class Bundle : public ::testing::TestWithParam<std::tuple<Mode, IpVersion>> {};

TEST_P(Bundle, EspThenAhRoundTrip) {
    const auto& [esp_mode, v] = GetParam();
    auto esp_out = make_sa(Protocol::Esp, "aes128+sha256", esp_mode, v, false, Direction::Outbound, 0x50);
    auto esp_in = make_sa(Protocol::Esp, "aes128+sha256", esp_mode, v, false, Direction::Inbound, 0x50);
    auto ah_out = make_sa(Protocol::Ah, "sha1", Mode::Transport, v, true, Direction::Outbound, 0x51);
    auto ah_in = make_sa(Protocol::Ah, "sha1", Mode::Transport, v, true, Direction::Inbound, 0x51);
    const core::Bytes original = udp_packet(v, 64);
    PacketBuffer buf = buffer_of(original);
    auto sent = bundle_outbound(*esp_out, *ah_out, buf);
    ASSERT_TRUE(sent.ok()) << to_string(sent.error());
    if (v == IpVersion::V4) {
        auto ip = packet::parse_ipv4(buf.view());
        ASSERT_TRUE(ip.ok());
        EXPECT_EQ(ip->header.protocol, packet::ipproto::kAh);
        core::Reader r(ip->payload);
        EXPECT_EQ(*r.u8(), packet::ipproto::kEsp);  // AH's next header is ESP
    }
    // AH over ESP: flipping a ciphertext byte is caught by AH first.
    core::Bytes bad = bytes_of(buf);
    bad[bad.size() - 20] ^= 1;
    PacketBuffer bad_buf = buffer_of(bad);
    auto rejected = bundle_inbound(*ah_in, *esp_in, bad_buf);
    ASSERT_FALSE(rejected.ok());
    EXPECT_EQ(rejected.error(), Drop::IcvMismatch);
    EXPECT_EQ(ah_in->counters().drops.get(Drop::IcvMismatch), 1U);

    auto got = bundle_inbound(*ah_in, *esp_in, buf);
    ASSERT_TRUE(got.ok()) << to_string(got.error());
    EXPECT_EQ(got->ah.next_header, packet::ipproto::kEsp);
    EXPECT_EQ(bytes_of(buf), original);
}

INSTANTIATE_TEST_SUITE_P(Modes, Bundle,
                         ::testing::Combine(::testing::Values(Mode::Transport, Mode::Tunnel),
                                            ::testing::Values(IpVersion::V4, IpVersion::V6)));

}  // namespace
}  // namespace strata::ipsec
