// drop.hpp: why the datapath dropped a packet, and a counter per reason.
//
// Every drop has a named reason (RFC 4301 §5 processing steps, RFC 4303
// §3.4, RFC 4302 §3.4) and increments its counter, which `strata ctl
// counters` and `strata pcap` print.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::ipsec {

// Drop is the reason a packet was not delivered or not sent.
enum class Drop : std::uint8_t {
    Malformed,          // the IP/UDP packet itself does not parse
    Truncated,          // shorter than the ESP/AH header, IV and ICV need
    UnknownSpi,         // no inbound SA for (SPI, destination, protocol)
    ReplayTooOld,       // left of the anti-replay window
    ReplayDuplicate,    // already received
    IcvMismatch,        // integrity check failed (window not moved)
    BadPadding,         // pad bytes not 1, 2, 3, ... (RFC 4303 §2.4)
    BadPadLength,       // pad length runs past the payload
    BadBlockLength,     // ciphertext not a multiple of the cipher block
    DummyPacket,        // next header 59 (RFC 4303 §2.6): dropped silently
    PolicyMismatch,     // inner packet outside the SA's selectors (RFC 4301 §5.2)
    PolicyDiscard,      // the SPD said DISCARD
    NoPolicy,           // no SPD entry matched (RFC 4301: discard by default)
    SaExpired,          // hard lifetime reached
    SequenceExhausted,  // outbound counter would wrap (RFC 4303 §3.3.3)
    NoSa,               // PROTECT with no SA yet: an acquire was raised
    NoRoom,             // buffer lacks headroom/tailroom for the headers
    UnsupportedPacket,  // e.g. an IPv4 fragment in transport mode
    CryptoFailure,      // libcrypto failed for another reason
    Count_              // number of reasons (not a reason)
};

inline constexpr std::size_t kDropReasons = static_cast<std::size_t>(Drop::Count_);

// to_string returns the stable name of a drop reason ("ReplayDuplicate").
std::string_view to_string(Drop d) noexcept;

// DropCounters counts drops per reason. Increments are relaxed atomics so
// that several workers may share one SA.
class DropCounters {
public:
    // add counts one drop of reason d.
    void add(Drop d) noexcept {
        counts_[static_cast<std::size_t>(d)].fetch_add(1, std::memory_order_relaxed);
    }
    // get returns how many drops of reason d were counted.
    [[nodiscard]] std::uint64_t get(Drop d) const noexcept {
        return counts_[static_cast<std::size_t>(d)].load(std::memory_order_relaxed);
    }
    // total returns the sum over all reasons.
    [[nodiscard]] std::uint64_t total() const noexcept;

private:
    std::array<std::atomic<std::uint64_t>, kDropReasons> counts_{};
};

}  // namespace strata::ipsec
