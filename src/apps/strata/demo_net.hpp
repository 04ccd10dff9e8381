// demo_net.hpp: the wire between gateways C and D in `strata demo`, and the capture.
//
// Each gateway owns three real UDP sockets on 127.0.0.1 (ephemeral ports):
// one stands for its IKE port 500, one for port 4500 (IKE after NAT-T and
// ESP in UDP, RFC 3948), and one carries whole IP packets (plain ESP or AH,
// which would need a raw socket and root). What the programs see, and what
// the capture records, are the lecture's documentation addresses: gateway C
// is 203.0.113.1, D is 203.0.113.2, and the UDP ports are 500 and 4500
// whatever ports the kernel really gave. The receiving side rebuilds the IP
// and UDP headers from the logical addresses, so Wireshark dissects the
// capture without any "decode as" hint.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "packet/address.hpp"
#include "packet/pcap.hpp"

namespace strata::apps::demo {

// Side names a gateway: C (192.0.2.0/24 behind it) or D (198.51.100.0/24).
enum class Side : std::uint8_t { C = 0, D = 1 };

inline Side other(Side s) noexcept { return s == Side::C ? Side::D : Side::C; }

// Arrival is one datagram or packet as the receiving gateway got it.
struct Arrival {
    core::Bytes ip;              // the whole IP packet, logical addresses (what the capture holds)
    core::Bytes payload;         // the UDP payload (UDP arrivals only)
    std::uint16_t src_port = 0;  // logical ports (UDP arrivals only)
    std::uint16_t dst_port = 0;
    std::uint16_t real_src_port = 0;  // the loopback ports really used
    std::uint16_t real_dst_port = 0;
    bool udp = false;
};

// Wire is the pair of gateways' sockets and the optional capture.
class Wire {
public:
    ~Wire();
    Wire(const Wire&) = delete;
    Wire& operator=(const Wire&) = delete;

    // open binds the six sockets; on failure returns null and sets *why.
    static std::unique_ptr<Wire> open(std::string* why);
    // capture_to starts writing every packet to a pcap file (LINKTYPE_RAW).
    bool capture_to(const std::string& path);

    // address returns the gateway's public (documentation) address.
    [[nodiscard]] static packet::IpAddress address(Side s) noexcept;
    // real_port returns the loopback port standing for logical port 500/4500
    // (0 for the IP-packet socket).
    [[nodiscard]] std::uint16_t real_port(Side s, std::uint16_t logical) const noexcept;

    // send_udp sends payload from `from`'s logical port sport to the other
    // gateway's dport over the real sockets and returns what arrived there
    // (nullopt with *why on a socket error or a 2 s timeout).
    std::optional<Arrival> send_udp(Side from, std::uint16_t sport, std::uint16_t dport,
                                    core::ByteView payload, std::string* why);
    // send_ip sends a whole IP packet from `from` to the other gateway: a
    // UDP datagram to port 500/4500 goes as its payload over the UDP sockets,
    // anything else (plain ESP, AH) as the packet itself over the IP sockets.
    std::optional<Arrival> send_ip(Side from, core::ByteView ip, std::string* why);

    // record writes one packet seen on a LAN to the capture.
    void record(core::ByteView ip);
    // records returns how many packets were captured.
    [[nodiscard]] std::uint64_t records() const noexcept;
    // finish flushes the capture; false if writing failed.
    bool finish();

private:
    Wire() = default;
    struct Sock {
        int fd = -1;
        std::uint16_t port = 0;
    };
    Sock& sock(Side s, std::uint16_t logical);
    std::optional<Arrival> receive(Side at, std::uint16_t logical, std::string* why);

    Sock socks_[2][3];
    std::unique_ptr<packet::PcapFile> pcap_;
    std::uint16_t ip_id_ = 1;
};

// build_udp_packet returns an IPv4 packet from src:sport to dst:dport carrying payload.
core::Bytes build_udp_packet(const packet::IpAddress& src, std::uint16_t sport, const packet::IpAddress& dst,
                             std::uint16_t dport, core::ByteView payload, std::uint16_t ip_id);

}  // namespace strata::apps::demo
