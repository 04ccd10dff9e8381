// esp_packets_test.cpp: ../shared/vectors/esp_packets.json, byte for byte.
//
// Every ESP case is rebuilt by the outbound path (transport or tunnel mode,
// given the vector's IV and sequence number) and compared with the vector's
// ESP payload, and with the whole packet where the vector has its IP header;
// then the vector's bytes go through the inbound path and must give back the
// original packet.
#include <gtest/gtest.h>

#include <string>

#include "core/hex.hpp"
#include "core/reader.hpp"
#include "crypto/algorithm_table.hpp"
#include "ipsec/esp.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "vectors/vector_file.hpp"

namespace strata::ipsec {
namespace {

using nlohmann::json;
using test::hex;

const json& vectors() {
    static const json v = test::load_vectors("esp_packets.json");
    return v;
}

// sequence_of reads "seq": a JSON number, or hex digits (64-bit ESN values).
std::uint64_t sequence_of(const json& j) {
    if (j.is_number()) return j.get<std::uint64_t>();
    return std::stoull(j.get<std::string>(), nullptr, 16);
}

std::uint32_t spi_of(const json& c) {
    return static_cast<std::uint32_t>(std::stoul(c["spi"].get<std::string>(), nullptr, 16));
}

packet::IpAddress v4_at(core::ByteView header, std::size_t offset) {
    return *packet::IpAddress::from_bytes(header.subspan(offset, 4));
}

struct KatSa {
    std::string enc;
    core::Bytes keymat;  // key || salt
    std::uint32_t spi = 0;
    Mode mode = Mode::Transport;
    bool esn = false;
    packet::IpAddress src = *packet::IpAddress::parse("192.0.2.1");
    packet::IpAddress dst = *packet::IpAddress::parse("192.0.2.2");
};

std::unique_ptr<SecurityAssociation> make(const KatSa& k, Direction dir) {
    SaConfig c;
    c.spi = k.spi;
    c.direction = dir;
    c.mode = k.mode;
    c.src = k.src;
    c.dst = k.dst;
    c.encryption = crypto::find_encryption(k.enc);
    EXPECT_NE(c.encryption, nullptr) << k.enc;
    c.encryption_key = core::SecretBytes(k.keymat);
    c.esn = k.esn;
    c.known_answer_test = true;  // SPI 0 (GCM case 4); no integrity (RFC 3602 packets)
    auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
    EXPECT_TRUE(sa.ok()) << (sa.ok() ? "" : to_string(sa.error()));
    return std::move(sa).value();
}

// ipv4 wraps payload in a plain IPv4 header carrying `protocol`.
core::Bytes ipv4(std::uint8_t protocol, core::ByteView payload) {
    packet::Ipv4Header h;
    h.protocol = protocol;
    h.src = *packet::IpAddress::parse("10.0.0.1");
    h.dst = *packet::IpAddress::parse("10.0.0.2");
    return *packet::build_ipv4(h, payload);
}

core::Bytes bytes_of(const PacketBuffer& b) { return {b.view().begin(), b.view().end()}; }

// KatRun is one case: protect `original`, compare, then unprotect `wire`.
struct KatRun {
    core::Bytes original;     // the packet handed to esp_outbound
    std::size_t esp_offset;   // where ESP starts in the protected packet
    core::Bytes esp_payload;  // the vector's SPI..end
    core::Bytes whole;        // the vector's whole packet, if it has one
    std::uint64_t seq;
    core::Bytes iv;
    std::optional<std::uint16_t> ipv4_id;
};

void check(const KatSa& k, const KatRun& run, const std::string& label) {
    SCOPED_TRACE(label);
    auto out = make(k, Direction::Outbound);
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(run.original).ok());
    EspOutboundOptions opts;
    opts.sequence = run.seq;
    opts.iv = run.iv;
    opts.ipv4_identification = run.ipv4_id;
    auto sent = esp_outbound(*out, buf, opts);
    ASSERT_TRUE(sent.ok()) << to_string(sent.error());
    const core::Bytes wire = bytes_of(buf);
    ASSERT_GE(wire.size(), run.esp_offset);
    EXPECT_EQ(core::to_hex(core::ByteView(wire).subspan(run.esp_offset)), core::to_hex(run.esp_payload));
    if (!run.whole.empty()) {
        EXPECT_EQ(core::to_hex(wire), core::to_hex(run.whole));
    }

    // Inbound: the vector's own ESP bytes behind our (matching) IP header.
    core::Bytes rx(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(run.esp_offset));
    rx.insert(rx.end(), run.esp_payload.begin(), run.esp_payload.end());
    if (!run.whole.empty()) rx = run.whole;
    auto in = make(k, Direction::Inbound);
    if (run.seq > 1) {
        ASSERT_TRUE(in->replay()->accept(run.seq - 1));  // place the window (ESN inference)
    }
    PacketBuffer rbuf;
    ASSERT_TRUE(rbuf.assign(rx).ok());
    auto got = esp_inbound(*in, rbuf);
    ASSERT_TRUE(got.ok()) << to_string(got.error());
    EXPECT_EQ(got->sequence, run.seq);
    EXPECT_EQ(bytes_of(rbuf), run.original);
}

TEST(EspPackets, Rfc3602AesCbc) {
    const json& cases = vectors()["rfc3602_esp_packets"];
    ASSERT_GT(cases.size(), 0U);
    int n = 0;
    for (const auto& c : cases) {
        KatSa k;
        k.enc = "aes128";
        k.keymat = hex(c["key"]);
        k.spi = spi_of(c);
        k.mode = c["mode"] == "tunnel" ? Mode::Tunnel : Mode::Transport;
        KatRun run;
        run.seq = sequence_of(c["seq"]);
        run.iv = hex(c["iv"]);
        run.esp_payload = hex(c["esp_payload"]);
        run.esp_offset = packet::kIpv4MinHeaderLength;
        const core::Bytes payload = hex(c["payload"]);
        const core::Bytes esp_header = c.contains("esp_ip_header") ? hex(c["esp_ip_header"]) : core::Bytes{};
        if (c.contains("esp_packet")) run.whole = hex(c["esp_packet"]);
        if (k.mode == Mode::Transport) {
            const auto nh = c["next_header"].get<std::uint8_t>();
            if (c.contains("original_ip_header")) {
                run.original = hex(c["original_ip_header"]);
                run.original.insert(run.original.end(), payload.begin(), payload.end());
            } else {
                run.original = ipv4(nh, payload);
            }
        } else {
            ASSERT_EQ(c["next_header"].get<int>(), packet::ipproto::kIpv4);
            run.original = payload;
            if (!esp_header.empty()) {
                k.src = v4_at(esp_header, 12);
                k.dst = v4_at(esp_header, 16);
                core::Reader r(core::ByteView(esp_header).subspan(4));
                run.ipv4_id = *r.u16();
            }
        }
        check(k, run, "RFC 3602 case " + std::to_string(c["case"].get<int>()));
        ++n;
    }
    EXPECT_EQ(n, 4);
}

// gcm_case reproduces one draft-mcgrew-gcm-test case; false if the crypto
// table has no row for its key size.
bool gcm_case(const json& c) {
    const core::Bytes key = hex(c["key"]);
    const std::string label = "GCM case " + std::to_string(c["index"].get<int>());
    KatSa k;
    k.enc = key.size() == 16 ? "aes128gcm16" : key.size() == 24 ? "aes192gcm16" : "aes256gcm16";
    if (crypto::find_encryption(k.enc) == nullptr) return false;
    k.keymat = key;
    const core::Bytes salt = hex(c["salt"]);
    k.keymat.insert(k.keymat.end(), salt.begin(), salt.end());
    k.spi = spi_of(c);
    k.esn = c["esn"].get<bool>();
    k.mode = Mode::Transport;
    EXPECT_EQ(c["icv_length"].get<int>(), 16);
    // The plaintext is payload | padding | pad length | next header: the
    // transport path must choose the same padding and next header itself.
    const core::Bytes pt = hex(c["plaintext"]);
    const std::size_t pad = pt.size() >= 2 ? pt[pt.size() - 2] : 0;
    EXPECT_LE(pad + 2, pt.size());
    if (pad + 2 > pt.size()) return true;
    KatRun run;
    run.original = ipv4(pt.back(), core::ByteView(pt).first(pt.size() - pad - 2));
    run.esp_offset = packet::kIpv4MinHeaderLength;
    run.esp_payload = hex(c["esp_payload"]);
    run.seq = sequence_of(c["seq"]);
    run.iv = hex(c["iv"]);
    check(k, run, label);
    return true;
}

TEST(EspPackets, AesGcm) {
    const json& cases = vectors()["aes_gcm_esp"];
    ASSERT_GT(cases.size(), 0U);
    int n = 0;
    for (const auto& c : cases) {
        if (hex(c["key"]).size() == 24) continue;  // AES-192-GCM: its own test below
        EXPECT_TRUE(gcm_case(c));
        ++n;
    }
    EXPECT_EQ(n, 10);
}

TEST(EspPackets, AesGcm192) {
    int n = 0;
    for (const auto& c : vectors()["aes_gcm_esp"]) {
        if (hex(c["key"]).size() != 24) continue;
        EXPECT_TRUE(gcm_case(c)) << "GCM case " << c["index"].get<int>();
        ++n;
    }
    EXPECT_EQ(n, 1);
}

TEST(EspPackets, ChaCha20Poly1305) {
    const json& cases = vectors()["chacha20_poly1305"];
    ASSERT_GT(cases.size(), 0U);
    int n = 0;
    for (const auto& c : cases) {
        if (!c.contains("esp_payload")) continue;  // the IKEv2 SK example is not ESP
        KatSa k;
        k.enc = "chacha20poly1305";
        k.keymat = hex(c["keymat"]);
        k.spi = spi_of(c);
        k.mode = Mode::Tunnel;
        ASSERT_EQ(c["next_header"].get<int>(), packet::ipproto::kIpv4);
        KatRun run;
        run.original = hex(c["inner_packet"]);
        run.esp_offset = packet::kIpv4MinHeaderLength;
        run.esp_payload = hex(c["esp_payload"]);
        run.seq = sequence_of(c["seq"]);
        run.iv = hex(c["iv"]);
        check(k, run, c["name"].get<std::string>());
        ++n;
    }
    EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace strata::ipsec
