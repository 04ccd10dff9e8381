// ipsec_inbound_fuzz.cpp: arbitrary bytes into ESP, AH and UDP-encap inbound.
//
// The first input byte picks one of a few fixed inbound SAs (and for some,
// the UDP-encapsulation or AH+ESP bundle path); the rest is the received IP
// packet. SAs are created per input (fixed keys) so that every input replays
// the same way. Built with -DSTRATA_IPSEC_SEED_MAIN this file instead writes
// the seed corpus: valid packets protected with the matching outbound SAs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "crypto/algorithm_table.hpp"
#include "ipsec/ah.hpp"
#include "ipsec/esp.hpp"
#include "ipsec/packet_buffer.hpp"
#include "ipsec/sa.hpp"
#include "ipsec/udp_encap.hpp"

namespace {

using namespace strata;
using ipsec::Direction;
using ipsec::Mode;
using ipsec::Protocol;

enum class Path : std::uint8_t { Esp, Ah, UdpThenEsp, AhThenEsp };

struct Target {
    Path path;
    Protocol protocol;
    const char* enc;    // ESP encryption keyword, or null
    const char* integ;  // integrity keyword, or null
    Mode mode;
    bool v6;
    bool esn;
};

constexpr Target kTargets[] = {
    {Path::Esp, Protocol::Esp, "aes128gcm16", nullptr, Mode::Transport, false, false},
    {Path::Esp, Protocol::Esp, "aes256", "sha256", Mode::Tunnel, false, false},
    {Path::Esp, Protocol::Esp, "chacha20poly1305", nullptr, Mode::Tunnel, true, true},
    {Path::Esp, Protocol::Esp, "3des", "sha1", Mode::Transport, true, true},
    {Path::Esp, Protocol::Esp, "null", "md5", Mode::Transport, false, false},
    {Path::Ah, Protocol::Ah, nullptr, "sha256", Mode::Transport, false, false},
    {Path::Ah, Protocol::Ah, nullptr, "md5", Mode::Tunnel, true, true},
    {Path::Ah, Protocol::Ah, nullptr, "sha1", Mode::Transport, true, false},
    {Path::UdpThenEsp, Protocol::Esp, "aes256", "sha256", Mode::Tunnel, false, false},
    {Path::UdpThenEsp, Protocol::Esp, "chacha20poly1305", nullptr, Mode::Tunnel, true, true},
    {Path::AhThenEsp, Protocol::Esp, "aes128gcm16", nullptr, Mode::Transport, false, false},
};
constexpr std::size_t kTargetCount = sizeof(kTargets) / sizeof(kTargets[0]);
// kBundleAh is the AH SA in front of target 10's ESP.
constexpr Target kBundleAh = {Path::Ah, Protocol::Ah, nullptr, "sha1", Mode::Transport, false, false};

core::SecretBytes fixed_key(std::size_t n, std::uint8_t seed) {
    core::SecretBytes k(n);
    for (std::size_t i = 0; i < n; ++i) k.data()[i] = static_cast<std::uint8_t>(seed ^ (i * 13));
    return k;
}

std::unique_ptr<ipsec::SecurityAssociation> make_sa(const Target& t, Direction dir, std::uint32_t spi) {
    ipsec::SaConfig c;
    c.spi = spi;
    c.direction = dir;
    c.protocol = t.protocol;
    c.mode = t.mode;
    c.src = *packet::IpAddress::parse(t.v6 ? "2001:db8::a" : "192.0.2.10");
    c.dst = *packet::IpAddress::parse(t.v6 ? "2001:db8::b" : "192.0.2.11");
    if (t.enc != nullptr) {
        c.encryption = crypto::find_encryption(t.enc);
        c.encryption_key = fixed_key(c.encryption->key_len + c.encryption->salt_len, 0x31);
    }
    if (t.integ != nullptr) {
        c.integrity = crypto::find_integrity(t.integ);
        c.integrity_key = fixed_key(c.integrity->key_len, 0x77);
    }
    c.esn = t.esn;
    c.replay_window = 64;
    c.udp_encap = ipsec::UdpEncapsulation{};
    auto sa = ipsec::SecurityAssociation::create(std::move(c), core::Instant{});
    return sa ? std::move(sa).value() : nullptr;
}

constexpr std::uint32_t kSpi = 0x01000100;
constexpr std::uint32_t kAhSpi = 0x02000200;

}  // namespace

// run_inbound sends buf through t's inbound path; true if it was delivered.
bool run_inbound(const Target& t, ipsec::PacketBuffer& buf, core::ByteView packet) {
    auto sa = make_sa(t, Direction::Inbound, t.protocol == Protocol::Ah ? kAhSpi : kSpi);
    if (!sa) return false;
    switch (t.path) {
        case Path::Esp: return ipsec::esp_inbound(*sa, buf).ok();
        case Path::Ah: return ipsec::ah_inbound(*sa, buf).ok();
        case Path::UdpThenEsp: {
            (void)ipsec::classify_udp_encap(packet);
            auto kind = ipsec::udp_decapsulate(buf);
            if (!kind || kind->kind != ipsec::UdpEncapKind::Esp) return kind.ok();
            return ipsec::esp_inbound(*sa, buf).ok();
        }
        case Path::AhThenEsp: {
            auto ah = make_sa(kBundleAh, Direction::Inbound, kAhSpi);
            return ah && ipsec::bundle_inbound(*ah, *sa, buf).ok();
        }
    }
    return false;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const core::ByteView input(data, size);
    if (input.empty()) return 0;
    static ipsec::PacketBuffer buf;  // one buffer, as a datapath worker has
    const Target& t = kTargets[input[0] % kTargetCount];
    const core::ByteView packet = input.subspan(1);
    if (!buf.assign(packet)) return 0;
    (void)run_inbound(t, buf, packet);
    return 0;
}

#ifdef STRATA_IPSEC_SEED_MAIN
#include <cstdio>
#include <fstream>

#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"
#include "packet/udp.hpp"

// main writes one protected packet per target into argv[1].
int main(int argc, char** argv) {
    if (argc != 2) return 2;
    for (std::size_t i = 0; i < kTargetCount; ++i) {
        const Target& t = kTargets[i];
        const auto src = *packet::IpAddress::parse(t.v6 ? "fd00::1" : "10.0.0.1");
        const auto dst = *packet::IpAddress::parse(t.v6 ? "fd00::2" : "10.0.0.2");
        auto udp = *packet::build_udp(1000, 2000, core::Bytes(24, 0x61), src, dst);
        core::Bytes plain;
        if (t.v6) {
            packet::Ipv6Header h;
            h.next_header = packet::ipproto::kUdp;
            h.src = src;
            h.dst = dst;
            plain = *packet::build_ipv6(h, udp);
        } else {
            packet::Ipv4Header h;
            h.protocol = packet::ipproto::kUdp;
            h.src = src;
            h.dst = dst;
            plain = *packet::build_ipv4(h, udp);
        }
        ipsec::PacketBuffer b;
        if (!b.assign(plain)) return 1;
        auto out = make_sa(t, Direction::Outbound, t.protocol == Protocol::Ah ? kAhSpi : kSpi);
        bool ok = false;
        if (t.path == Path::Ah) {
            ok = ipsec::ah_outbound(*out, b).ok();
        } else {
            ok = ipsec::esp_outbound(*out, b).ok();
            if (ok && t.path == Path::UdpThenEsp)
                ok = ipsec::udp_encapsulate(b, ipsec::UdpEncapsulation{}).ok();
            if (ok && t.path == Path::AhThenEsp) {
                auto ah = make_sa(kBundleAh, Direction::Outbound, kAhSpi);
                ok = ipsec::ah_outbound(*ah, b).ok();
            }
        }
        if (!ok) return 1;
        std::ofstream f(std::string(argv[1]) + "/seed_" + std::to_string(i), std::ios::binary);
        f.put(static_cast<char>(i));
        f.write(reinterpret_cast<const char*>(b.view().data()), static_cast<std::streamsize>(b.size()));
        const core::Bytes wire(b.view().begin(), b.view().end());
        ipsec::PacketBuffer rx;
        if (!rx.assign(wire) || !run_inbound(t, rx, wire)) {
            std::printf("seed %zu is not accepted\n", i);
            return 1;
        }
    }
    std::printf("wrote %zu seeds\n", kTargetCount);
    return 0;
}
#endif
