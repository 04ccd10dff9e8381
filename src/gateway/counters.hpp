// counters.hpp: what a datapath worker counts besides the IPsec drops.
//
// ipsec::Processor counts the drops it decides (unknown SPI, replay, ICV...)
// and each SA its own; a worker adds the packets it moved and the drops that
// happen before or after the Processor (a datagram on 4500 too short to be
// ESP, a send the kernel refused). All are relaxed atomics, read by the
// control socket while the workers run.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ipsec/drop.hpp"

namespace strata::gateway {

// GatewayDrop is a drop outside the IPsec processing itself.
enum class GatewayDrop : std::uint8_t {
    TunReadError,      // read(2) on the TUN device failed
    TunWriteError,     // a decrypted packet could not be handed to the kernel
    TunBypass,         // a packet routed into the TUN matched a BYPASS policy: it has no clear path out
    SendFailed,        // the kernel refused an ESP datagram (no route, EMSGSIZE, ...)
    SendBufferFull,    // the socket's send buffer was full
    OversizeDatagram,  // a datagram longer than the receive buffer
    IkeUnavailable,    // an IKE message (port 500, or 4500 with the non-ESP marker) but no [peers]
    IkeQueueFull,      // the IKE service's inbox was full (IkeInbox::kMaxQueued)
    Count_
};
inline constexpr std::size_t kGatewayDrops = static_cast<std::size_t>(GatewayDrop::Count_);
// to_string returns the stable name of a GatewayDrop ("TunWriteError").
std::string_view to_string(GatewayDrop d) noexcept;

// WorkerCounters are one worker's packet and drop counts.
struct WorkerCounters {
    std::atomic<std::uint64_t> tun_rx_packets{0};  // plaintext packets read from the TUN device
    std::atomic<std::uint64_t> tun_rx_bytes{0};
    std::atomic<std::uint64_t> tun_tx_packets{0};  // decrypted packets written to it
    std::atomic<std::uint64_t> tun_tx_bytes{0};
    std::atomic<std::uint64_t> net_rx_packets{0};  // datagrams received from the network (ESP, UDP 4500, IKE)
    std::atomic<std::uint64_t> net_rx_bytes{0};
    std::atomic<std::uint64_t> net_tx_packets{0};  // ESP packets sent
    std::atomic<std::uint64_t> net_tx_bytes{0};
    std::atomic<std::uint64_t> nat_keepalives{0};  // RFC 3948 §2.3 keepalives received (not a drop)
    ipsec::DropCounters net_drops;  // IPsec reasons decided before the Processor (Truncated, Malformed)
    std::array<std::atomic<std::uint64_t>, kGatewayDrops> gateway_drops{};

    void add(GatewayDrop d, std::uint64_t n = 1) noexcept {
        gateway_drops[static_cast<std::size_t>(d)].fetch_add(n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t get(GatewayDrop d) const noexcept {
        return gateway_drops[static_cast<std::size_t>(d)].load(std::memory_order_relaxed);
    }
};

// bump adds n to a relaxed counter.
inline void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace strata::gateway
