#include "ipsec/esp.hpp"

#include <gtest/gtest.h>

#include <array>
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

core::SecretBytes key_bytes(std::size_t n, std::uint8_t seed) {
    core::SecretBytes k(n);
    for (std::size_t i = 0; i < n; ++i) k.data()[i] = static_cast<std::uint8_t>(seed + 7 * i);
    return k;
}

IpAddress addr(const char* text) { return *IpAddress::parse(text); }

// make_sa builds one SA; `alg` is "enc" or "enc+integ" (strongSwan keywords).
std::unique_ptr<SecurityAssociation> make_sa(const std::string& alg, Mode mode, IpVersion v, bool esn,
                                             Direction dir, std::uint32_t spi = 0x1000) {
    SaConfig c;
    c.spi = spi;
    c.direction = dir;
    c.protocol = Protocol::Esp;
    c.mode = mode;
    const bool v4 = v == IpVersion::V4;
    c.src = addr(v4 ? "192.0.2.1" : "2001:db8::1");
    c.dst = addr(v4 ? "192.0.2.2" : "2001:db8::2");
    const auto plus = alg.find('+');
    c.encryption = crypto::find_encryption(alg.substr(0, plus));
    EXPECT_NE(c.encryption, nullptr) << alg;
    c.encryption_key = key_bytes(c.encryption->key_len + c.encryption->salt_len, 1);
    if (plus != std::string::npos) {
        c.integrity = crypto::find_integrity(alg.substr(plus + 1));
        EXPECT_NE(c.integrity, nullptr) << alg;
        c.integrity_key = key_bytes(c.integrity->key_len, 9);
    }
    c.esn = esn;
    c.replay_window = 64;
    auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
    EXPECT_TRUE(sa.ok()) << alg;
    return std::move(sa).value();
}

// udp_packet builds an IPv4 or IPv6 UDP packet with `len` payload bytes.
core::Bytes udp_packet(IpVersion v, std::size_t len, std::uint8_t tos = 0) {
    core::Bytes payload(len);
    for (std::size_t i = 0; i < len; ++i) payload[i] = static_cast<std::uint8_t>(i);
    const bool v4 = v == IpVersion::V4;
    const IpAddress src = addr(v4 ? "10.1.0.1" : "fd00::1");
    const IpAddress dst = addr(v4 ? "10.2.0.1" : "fd00::2");
    auto udp = packet::build_udp(1234, 53, payload, src, dst);
    EXPECT_TRUE(udp.ok());
    if (v4) {
        packet::Ipv4Header h;
        h.tos = tos;
        h.identification = 0x4242;
        h.flags = packet::kIpv4FlagDontFragment;
        h.protocol = packet::ipproto::kUdp;
        h.src = src;
        h.dst = dst;
        return *packet::build_ipv4(h, *udp);
    }
    packet::Ipv6Header h;
    h.traffic_class = tos;
    h.flow_label = 0x12345;
    h.next_header = packet::ipproto::kUdp;
    h.src = src;
    h.dst = dst;
    return *packet::build_ipv6(h, *udp);
}

PacketBuffer buffer_of(core::ByteView b) {
    PacketBuffer buf;
    EXPECT_TRUE(buf.assign(b).ok());
    return buf;
}

core::Bytes bytes_of(const PacketBuffer& buf) { return {buf.view().begin(), buf.view().end()}; }

// fix_ipv4 rewrites the total length and header checksum of a 20-byte-header
// IPv4 packet after a test edited it.
void fix_ipv4(core::Bytes& p) {
    p[2] = static_cast<std::uint8_t>(p.size() >> 8);
    p[3] = static_cast<std::uint8_t>(p.size());
    p[10] = p[11] = 0;
    const std::uint16_t sum = packet::internet_checksum(core::ByteView(p).first(20));
    p[10] = static_cast<std::uint8_t>(sum >> 8);
    p[11] = static_cast<std::uint8_t>(sum);
}

// ---------------------------------------------------------------------------
// Round trips: every algorithm x mode x IP version x ESN.

using RoundTripParam = std::tuple<std::string, Mode, IpVersion, bool>;

class EspRoundTrip : public ::testing::TestWithParam<RoundTripParam> {};

TEST_P(EspRoundTrip, ProtectsAndRecovers) {
    const auto& [alg, mode, v, esn] = GetParam();
    auto out = make_sa(alg, mode, v, esn, Direction::Outbound);
    auto in = make_sa(alg, mode, v, esn, Direction::Inbound);
    if (esn) {
        // Cross the 2^32 boundary: the high bits go only into the ICV/AAD.
        out->set_next_sequence(0xfffffffeULL);
        ASSERT_TRUE(in->replay()->accept(0xfffffffdULL));
    }
    for (std::size_t len : {0U, 1U, 13U, 100U, 1400U}) {
        const core::Bytes original = udp_packet(v, len, 0x2a);
        PacketBuffer buf = buffer_of(original);
        auto sent = esp_outbound(*out, buf);
        ASSERT_TRUE(sent.ok()) << to_string(sent.error());
        EXPECT_EQ(sent->sequence, out->last_sequence());
        // The wire packet is IP carrying ESP with our SPI and the low 32 bits.
        if (v == IpVersion::V4) {
            auto ip = packet::parse_ipv4(buf.view());
            ASSERT_TRUE(ip.ok());
            EXPECT_EQ(ip->header.protocol, packet::ipproto::kEsp);
            core::Reader r(ip->payload);
            EXPECT_EQ(*r.u32(), 0x1000U);
            EXPECT_EQ(*r.u32(), static_cast<std::uint32_t>(sent->sequence));
        } else {
            auto ip = packet::parse_ipv6(buf.view());
            ASSERT_TRUE(ip.ok());
            EXPECT_EQ(ip->upper_protocol, packet::ipproto::kEsp);
        }
        auto got = esp_inbound(*in, buf);
        ASSERT_TRUE(got.ok()) << to_string(got.error());
        EXPECT_EQ(got->sequence, sent->sequence);
        EXPECT_EQ(got->next_header,
                  mode == Mode::Tunnel ? (v == IpVersion::V4 ? 4 : 41) : packet::ipproto::kUdp);
        EXPECT_EQ(bytes_of(buf), original);
    }
    EXPECT_EQ(in->counters().drops.total(), 0U);
}

std::string name_of(const ::testing::TestParamInfo<RoundTripParam>& info) {
    std::string alg = std::get<0>(info.param);
    for (auto& c : alg) {
        if (c == '+') c = '_';
    }
    return alg + (std::get<1>(info.param) == Mode::Tunnel ? "_tunnel" : "_transport") +
           (std::get<2>(info.param) == IpVersion::V4 ? "_v4" : "_v6") +
           (std::get<3>(info.param) ? "_esn" : "");
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgorithms, EspRoundTrip,
    ::testing::Combine(::testing::Values("aes128gcm16", "aes256gcm16", "chacha20poly1305", "aes128+sha256",
                                         "aes256+sha256", "3des+md5", "3des+sha1", "null+sha256"),
                       ::testing::Values(Mode::Transport, Mode::Tunnel),
                       ::testing::Values(IpVersion::V4, IpVersion::V6), ::testing::Bool()),
    name_of);

// ---------------------------------------------------------------------------
// Layout details.

TEST(Esp, Ipv4TransportFixesHeaderAndPadsMonotonically) {
    auto out = make_sa("null+sha256", Mode::Transport, IpVersion::V4, false, Direction::Outbound);
    const core::Bytes original = udp_packet(IpVersion::V4, 5);  // 8 + 5 = 13 bytes of UDP
    PacketBuffer buf = buffer_of(original);
    ASSERT_TRUE(esp_outbound(*out, buf).ok());
    auto ip = packet::parse_ipv4(buf.view());  // checksum and total length verified
    ASSERT_TRUE(ip.ok());
    EXPECT_EQ(ip->header.identification, 0x4242);
    // NULL: 13 payload + 1 pad + 2 = 16 (4-byte aligned), then a 16-byte ICV.
    ASSERT_EQ(ip->payload.size(), 8U + 16U + 16U);
    core::Reader r(ip->payload.subspan(8 + 13));
    EXPECT_EQ(*r.u8(), 1);   // pad byte 1
    EXPECT_EQ(*r.u8(), 1);   // pad length
    EXPECT_EQ(*r.u8(), 17);  // next header: UDP
}

TEST(Esp, Ipv6TransportInsertsAfterHopByHopAndRouting) {
    // fixed | hop-by-hop | routing (0 left) | destination options | UDP
    const IpAddress src = addr("fd00::1");
    const IpAddress dst = addr("fd00::2");
    auto udp = *packet::build_udp(1, 2, core::Bytes(10, 0xab), src, dst);
    core::Bytes chain;
    core::Writer w(chain);
    ASSERT_TRUE(
        packet::write_ipv6_options_header(w, packet::ipproto::kRouting, core::Bytes{1, 4, 0, 0, 0, 0}).ok());
    const core::Bytes routing{packet::ipproto::kDestinationOptions, 0, 4, 0, 0, 0, 0, 0};
    w.bytes(routing);
    ASSERT_TRUE(
        packet::write_ipv6_options_header(w, packet::ipproto::kUdp, core::Bytes{1, 4, 0, 0, 0, 0}).ok());
    w.bytes(udp);
    packet::Ipv6Header h;
    h.next_header = packet::ipproto::kHopByHop;
    h.src = src;
    h.dst = dst;
    const core::Bytes original = *packet::build_ipv6(h, chain);

    auto out = make_sa("aes128gcm16", Mode::Transport, IpVersion::V6, false, Direction::Outbound);
    auto in = make_sa("aes128gcm16", Mode::Transport, IpVersion::V6, false, Direction::Inbound);
    PacketBuffer buf = buffer_of(original);
    ASSERT_TRUE(esp_outbound(*out, buf).ok());
    auto ip = packet::parse_ipv6(buf.view());
    ASSERT_TRUE(ip.ok());
    ASSERT_EQ(ip->ext_count, 2U);  // hop-by-hop, routing; destination options went inside ESP
    EXPECT_EQ(ip->ext[1].next_header, packet::ipproto::kEsp);
    EXPECT_EQ(ip->upper_offset, 40U + 8U + 8U);
    auto got = esp_inbound(*in, buf);
    ASSERT_TRUE(got.ok()) << to_string(got.error());
    EXPECT_EQ(got->next_header, packet::ipproto::kDestinationOptions);
    EXPECT_EQ(bytes_of(buf), original);
}

TEST(Esp, TunnelOuterHeaderFromSa) {
    auto out = make_sa("aes128gcm16", Mode::Tunnel, IpVersion::V4, false, Direction::Outbound);
    PacketBuffer buf = buffer_of(udp_packet(IpVersion::V4, 20, 0xb9));  // DSCP 46, ECT(1)
    EspOutboundOptions opts;
    opts.ipv4_identification = 0x0905;
    ASSERT_TRUE(esp_outbound(*out, buf, opts).ok());
    auto ip = packet::parse_ipv4(buf.view());
    ASSERT_TRUE(ip.ok());
    EXPECT_EQ(ip->header.src, addr("192.0.2.1"));
    EXPECT_EQ(ip->header.dst, addr("192.0.2.2"));
    EXPECT_EQ(ip->header.ttl, 64);
    EXPECT_EQ(ip->header.tos, 0xb9);          // RFC 6040 normal mode: ECN copied, DSCP copied
    EXPECT_TRUE(ip->header.dont_fragment());  // copied from the inner DF
    EXPECT_EQ(ip->header.identification, 0x0905);
}

TEST(Esp, AeadIvIsTheSequenceNumberAndOptionsForceIt) {
    auto out = make_sa("aes128gcm16", Mode::Tunnel, IpVersion::V4, false, Direction::Outbound);
    PacketBuffer a = buffer_of(udp_packet(IpVersion::V4, 8));
    ASSERT_TRUE(esp_outbound(*out, a).ok());
    core::Reader r(a.view().subspan(20 + 8));
    EXPECT_EQ(*r.u64(), 1U);

    const std::array<std::uint8_t, 8> iv{1, 2, 3, 4, 5, 6, 7, 8};
    EspOutboundOptions opts;
    opts.sequence = 77;
    opts.iv = iv;
    PacketBuffer b = buffer_of(udp_packet(IpVersion::V4, 8));
    auto info = esp_outbound(*out, b, opts);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->sequence, 77U);
    EXPECT_EQ(out->last_sequence(), 1U);  // a forced number does not advance the counter
    core::Reader r2(b.view().subspan(20 + 4));
    EXPECT_EQ(*r2.u32(), 77U);
    EXPECT_EQ(*r2.u64(), 0x0102030405060708ULL);
}

// ---------------------------------------------------------------------------
// Drops.

struct Pair {
    std::unique_ptr<SecurityAssociation> out;
    std::unique_ptr<SecurityAssociation> in;
};

Pair pair(const std::string& alg, Mode mode = Mode::Tunnel, bool esn = false) {
    return {make_sa(alg, mode, IpVersion::V4, esn, Direction::Outbound),
            make_sa(alg, mode, IpVersion::V4, esn, Direction::Inbound)};
}

core::Bytes protect(SecurityAssociation& out, std::size_t len = 40) {
    PacketBuffer buf = buffer_of(udp_packet(IpVersion::V4, len));
    auto r = esp_outbound(out, buf);
    EXPECT_TRUE(r.ok());
    return bytes_of(buf);
}

Drop inbound_drop(SecurityAssociation& in, core::ByteView wire) {
    PacketBuffer buf = buffer_of(wire);
    auto r = esp_inbound(in, buf);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Drop::Count_ : r.error();
}

class EspTamper : public ::testing::TestWithParam<std::string> {};

TEST_P(EspTamper, IcvMismatchLeavesTheWindowAlone) {
    auto p = pair(GetParam());
    const core::Bytes good = protect(*p.out);
    for (std::size_t at : std::array<std::size_t, 4>{20 + 4, 20 + 9, good.size() / 2, good.size() - 1}) {
        core::Bytes bad = good;
        bad[at] ^= 0x01;
        if (at == 24) continue;  // the SPI: that is UnknownSpi, below
        EXPECT_EQ(inbound_drop(*p.in, bad), Drop::IcvMismatch) << "byte " << at;
        EXPECT_EQ(p.in->replay()->highest(), 0U);
    }
    EXPECT_EQ(p.in->counters().drops.get(Drop::IcvMismatch), 3U);
    PacketBuffer buf = buffer_of(good);
    EXPECT_TRUE(esp_inbound(*p.in, buf).ok());  // the genuine packet still gets in
}

INSTANTIATE_TEST_SUITE_P(Algorithms, EspTamper,
                         ::testing::Values("aes128gcm16", "chacha20poly1305", "aes256+sha256", "3des+sha1",
                                           "null+sha256"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                             std::string n = p.param;
                             for (auto& c : n) {
                                 if (c == '+') c = '_';
                             }
                             return n;
                         });

TEST(Esp, ReplayedPacketIsDuplicate) {
    auto p = pair("aes128gcm16");
    const core::Bytes wire = protect(*p.out);
    PacketBuffer buf = buffer_of(wire);
    ASSERT_TRUE(esp_inbound(*p.in, buf).ok());
    EXPECT_EQ(inbound_drop(*p.in, wire), Drop::ReplayDuplicate);
    EXPECT_EQ(p.in->counters().drops.get(Drop::ReplayDuplicate), 1U);
}

TEST(Esp, PacketLeftOfTheWindowIsTooOld) {
    auto p = pair("aes256+sha256");
    const core::Bytes old = protect(*p.out);  // sequence 1
    p.out->set_next_sequence(200);
    PacketBuffer buf = buffer_of(protect(*p.out));
    ASSERT_TRUE(esp_inbound(*p.in, buf).ok());
    EXPECT_EQ(inbound_drop(*p.in, old), Drop::ReplayTooOld);  // window 64: 137..200
}

TEST(Esp, UnknownSpi) {
    auto out = make_sa("aes128gcm16", Mode::Tunnel, IpVersion::V4, false, Direction::Outbound, 0x2000);
    auto in = make_sa("aes128gcm16", Mode::Tunnel, IpVersion::V4, false, Direction::Inbound, 0x1000);
    EXPECT_EQ(inbound_drop(*in, protect(*out)), Drop::UnknownSpi);
}

TEST(Esp, TruncatedPackets) {
    for (const char* alg : {"aes128gcm16", "aes128+sha256"}) {
        auto p = pair(alg);
        const core::Bytes wire = protect(*p.out);
        for (std::size_t esp_len : {0U, 3U, 7U, 8U, 20U, 33U}) {
            core::Bytes cut(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(20 + esp_len));
            fix_ipv4(cut);
            EXPECT_EQ(inbound_drop(*p.in, cut), Drop::Truncated) << alg << " " << esp_len;
        }
        EXPECT_EQ(p.in->replay()->highest(), 0U);
    }
}

TEST(Esp, CbcCiphertextNotWholeBlocks) {
    auto p = pair("aes128+sha256", Mode::Transport);
    PacketBuffer buf = buffer_of(udp_packet(IpVersion::V4, 40));
    ASSERT_TRUE(esp_outbound(*p.out, buf).ok());
    // Drop 4 bytes of the ICV's room: the ciphertext length is then off-block.
    ASSERT_TRUE(buf.trim_back(4));
    core::Bytes wire = bytes_of(buf);
    fix_ipv4(wire);
    EXPECT_EQ(inbound_drop(*p.in, wire), Drop::BadBlockLength);
}

// seal_raw builds a transport-mode IPv4 ESP packet around `plaintext` (payload
// and a trailer of the test's choosing) with the outbound SA's own keys.
core::Bytes seal_raw(SecurityAssociation& out, std::uint64_t seq, const core::Bytes& plaintext) {
    const std::size_t iv_len = esp_iv_length(out);
    core::Bytes esp;
    core::Writer w(esp);
    w.u32(out.spi());
    w.u32(static_cast<std::uint32_t>(seq));
    w.u64(seq);
    if (iv_len == 16) w.u64(~seq);
    auto ct = w.reserve(plaintext.size());
    std::copy(plaintext.begin(), plaintext.end(), ct.begin());
    auto icv = w.reserve(out.icv_len());
    auto whole = core::MutableByteView(esp);
    const core::ByteView iv = whole.subspan(8, iv_len);
    auto data = whole.subspan(8 + iv_len, plaintext.size());
    if (auto* aead = out.aead(); aead != nullptr) {
        core::Bytes nonce(out.salt().begin(), out.salt().end());
        nonce.insert(nonce.end(), iv.begin(), iv.end());
        EXPECT_TRUE(aead->seal(nonce, whole.first(8), data, icv).ok());
    } else {
        EXPECT_TRUE(out.cipher()->encrypt(iv, data).ok());
        EXPECT_TRUE(out.mac()->compute(whole.first(8 + iv_len + plaintext.size()), icv).ok());
    }
    packet::Ipv4Header h;
    h.protocol = packet::ipproto::kEsp;
    h.src = addr("192.0.2.1");
    h.dst = addr("192.0.2.2");
    return *packet::build_ipv4(h, esp);
}

TEST(Esp, BadPaddingBytes) {
    for (const char* alg : {"aes128gcm16", "aes128+sha256"}) {
        auto p = pair(alg, Mode::Transport);
        // 13 payload bytes, pad 1 2 4 (not 1 2 3), pad length 3, next header 17.
        core::Bytes pt(13, 0x55);
        for (int b : {1, 2, 4, 3, 17}) pt.push_back(static_cast<std::uint8_t>(b));
        if (std::string(alg) == "aes128+sha256") pt.insert(pt.begin(), 14, 0x66);  // 32 bytes
        EXPECT_EQ(inbound_drop(*p.in, seal_raw(*p.out, 1, pt)), Drop::BadPadding) << alg;
        // It was authentic: the window moved (RFC 4303 §3.4.3 updates after the ICV).
        EXPECT_EQ(p.in->replay()->highest(), 1U);
        EXPECT_EQ(p.in->counters().drops.get(Drop::BadPadding), 1U);
    }
}

TEST(Esp, PadLengthPastThePayload) {
    auto p = pair("aes128gcm16", Mode::Transport);
    core::Bytes pt{1, 2, 200, 17};  // pad length 200 in a 4-byte plaintext
    EXPECT_EQ(inbound_drop(*p.in, seal_raw(*p.out, 5, pt)), Drop::BadPadLength);
}

TEST(Esp, DummyPacketIsDroppedSilently) {
    auto p = pair("aes128gcm16", Mode::Transport);
    packet::Ipv4Header h;
    h.protocol = packet::ipproto::kNoNextHeader;  // RFC 4303 §2.6: next header 59
    h.src = addr("10.1.0.1");
    h.dst = addr("10.2.0.1");
    PacketBuffer buf = buffer_of(*packet::build_ipv4(h, core::Bytes(16, 0)));
    ASSERT_TRUE(esp_outbound(*p.out, buf).ok());
    EXPECT_EQ(inbound_drop(*p.in, bytes_of(buf)), Drop::DummyPacket);
    EXPECT_EQ(p.in->counters().drops.get(Drop::DummyPacket), 1U);
}

TEST(Esp, SequenceNumberNeverWraps) {
    auto out = make_sa("aes128gcm16", Mode::Tunnel, IpVersion::V4, false, Direction::Outbound);
    out->set_next_sequence(0xffffffffULL);
    PacketBuffer a = buffer_of(udp_packet(IpVersion::V4, 8));
    ASSERT_TRUE(esp_outbound(*out, a).ok());
    PacketBuffer b = buffer_of(udp_packet(IpVersion::V4, 8));
    auto r = esp_outbound(*out, b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Drop::SequenceExhausted);  // RFC 4303 §3.3.3
    EXPECT_EQ(out->counters().drops.get(Drop::SequenceExhausted), 1U);
}

TEST(Esp, TransportRefusesFragments) {
    auto out = make_sa("aes128gcm16", Mode::Transport, IpVersion::V4, false, Direction::Outbound);
    packet::Ipv4Header h;
    h.flags = packet::kIpv4FlagMoreFragments;
    h.protocol = packet::ipproto::kUdp;
    h.src = addr("10.1.0.1");
    h.dst = addr("10.2.0.1");
    PacketBuffer buf = buffer_of(*packet::build_ipv4(h, core::Bytes(16, 0)));
    auto r = esp_outbound(*out, buf);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Drop::UnsupportedPacket);
}

TEST(Esp, TunnelDecapCombinesCongestionMark) {
    auto p = pair("aes128gcm16");
    PacketBuffer buf = buffer_of(udp_packet(IpVersion::V4, 30, 0x02));  // ECT(0)
    ASSERT_TRUE(esp_outbound(*p.out, buf).ok());
    core::Bytes wire = bytes_of(buf);
    wire[1] = 0x03;  // a router marked CE on the outer header
    fix_ipv4(wire);
    PacketBuffer rx = buffer_of(wire);
    ASSERT_TRUE(esp_inbound(*p.in, rx).ok());
    auto inner = packet::parse_ipv4(rx.view());  // checksum updated with the TOS
    ASSERT_TRUE(inner.ok());
    EXPECT_EQ(inner->header.tos, 0x03);
}

// Tunnel-mode AEAD SAs take a one-pass path (esp.cpp, outbound_tunnel_aead);
// forcing the explicit IV sends the same packet through the general path
// (seal_impl, push_outer_header). Forcing it to the counter value the fast
// path uses must give the same bytes, for both outer versions, with and
// without ESN, for every AEAD.
TEST(Esp, TunnelAeadFastPathWritesWhatTheGeneralPathWrites) {
    for (const char* alg : {"aes128gcm16", "aes256gcm16", "chacha20poly1305", "aes128gcm8"}) {
        for (IpVersion outer : {IpVersion::V4, IpVersion::V6}) {
            for (bool esn : {false, true}) {
                for (IpVersion inner : {IpVersion::V4, IpVersion::V6}) {
                    for (std::size_t len : {0U, 1U, 2U, 3U, 1400U}) {
                        auto out = make_sa(alg, Mode::Tunnel, outer, esn, Direction::Outbound);
                        const core::Bytes original = udp_packet(inner, len, 0x2b);
                        const std::uint64_t seq = esn ? 0x1234567890ULL : 0x9abcdeU;
                        std::array<std::uint8_t, 8> iv{};
                        core::Writer(core::MutableByteView(iv)).u64(seq);

                        EspOutboundOptions fast;
                        fast.sequence = seq;
                        PacketBuffer a = buffer_of(original);
                        auto fa = esp_outbound(*out, a, fast);
                        ASSERT_TRUE(fa.ok()) << alg << " " << to_string(fa.error());

                        EspOutboundOptions general = fast;
                        general.iv = iv;  // the same IV, but forced: the general path
                        PacketBuffer b = buffer_of(original);
                        auto gb = esp_outbound(*out, b, general);
                        ASSERT_TRUE(gb.ok()) << alg << " " << to_string(gb.error());

                        EXPECT_EQ(bytes_of(a), bytes_of(b)) << alg << " len " << len << " esn " << esn;
                        EXPECT_EQ(fa->sequence, seq);
                        EXPECT_EQ(fa->esp_offset, gb->esp_offset);
                        // And the receiver takes it.
                        auto in = make_sa(alg, Mode::Tunnel, outer, esn, Direction::Inbound);
                        if (esn) {
                            ASSERT_TRUE(in->replay()->accept(seq - 1));
                        }
                        auto got = esp_inbound(*in, a);
                        ASSERT_TRUE(got.ok()) << alg << " " << to_string(got.error());
                        EXPECT_EQ(bytes_of(a), original);
                    }
                }
            }
        }
    }
}

TEST(Esp, TunnelAeadFastPathRefusesWhatTheGeneralPathRefuses) {
    auto out = make_sa("aes128gcm16", Mode::Tunnel, IpVersion::V4, false, Direction::Outbound);
    // No headroom for ESP and the outer header: NoRoom, no sequence number used.
    PacketBuffer tight;
    ASSERT_TRUE(tight.assign(udp_packet(IpVersion::V4, 10), 20).ok());
    auto r = esp_outbound(*out, tight);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Drop::NoRoom);
    EXPECT_EQ(out->last_sequence(), 0U);
    EXPECT_EQ(out->counters().drops.get(Drop::NoRoom), 1U);
    // Too long for the outer IPv4 total length once ESP is added.
    PacketBuffer big = buffer_of(udp_packet(IpVersion::V4, 0xffff - 28 - 20));
    auto b = esp_outbound(*out, big);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error(), Drop::UnsupportedPacket);
    // A fragment is refused.
    core::Bytes frag = udp_packet(IpVersion::V4, 10);
    frag[6] = 0x20;  // More Fragments
    fix_ipv4(frag);
    PacketBuffer f = buffer_of(frag);
    auto fr = esp_outbound(*out, f);
    ASSERT_FALSE(fr.ok());
    EXPECT_EQ(fr.error(), Drop::UnsupportedPacket);
    // Link padding behind the packet is not sealed.
    core::Bytes padded = udp_packet(IpVersion::V4, 10);
    const std::size_t plain_len = padded.size();
    padded.insert(padded.end(), 6, 0xee);
    PacketBuffer p = buffer_of(padded);
    ASSERT_TRUE(esp_outbound(*out, p).ok());
    const std::size_t pad = (4 - (plain_len + 2) % 4) % 4;        // RFC 4303 §2.4, 4-byte alignment
    EXPECT_EQ(p.size(), 20U + 16U + plain_len + pad + 2U + 16U);  // outer, ESP header, payload, trailer, ICV
}

}  // namespace
}  // namespace strata::ipsec
