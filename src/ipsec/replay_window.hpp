// replay_window.hpp: the anti-replay window of an inbound SA.
//
// RFC 4303 §3.4.3 and Appendix A, with the block bitmap of RFC 6479: the
// window is a ring of 64-bit blocks; sliding it clears only the blocks that
// fall out, never shifting the whole bitmap, so a check and an update cost
// O(1) whatever the window size and however many packets are lost.
//
// Use it in the order RFC 4303 asks: infer() the full sequence number (ESN),
// check() it BEFORE the ICV, and accept() it only AFTER the ICV verified.
#pragma once

#include <cstdint>
#include <memory>

#include "core/result.hpp"

namespace strata::ipsec {

// ReplayVerdict is what check() says of a sequence number.
enum class ReplayVerdict : std::uint8_t {
    Fresh,      // right of the window, or inside it and not yet seen
    TooOld,     // left of the window (or 0, which no sender uses: RFC 4303 §3.3.3)
    Duplicate,  // inside the window and already received
};

// ReplayWindow is one SA's receive window. Not thread-safe: one SA's inbound
// packets are processed by one worker at a time.
class ReplayWindow {
public:
    static constexpr std::uint32_t kMinSize = 32;  // RFC 4303 §3.4.3: at least 32
    static constexpr std::uint32_t kMaxSize = 4096;
    static constexpr std::uint32_t kDefaultSize = 1024;

    // WindowError says why create() refused a configuration.
    enum class WindowError : std::uint8_t { SizeOutOfRange };

    // create returns a window of `size` packets (kMinSize..kMaxSize) with
    // nothing received yet; esn selects 64-bit extended sequence numbers.
    static core::Result<ReplayWindow, WindowError> create(std::uint32_t size, bool esn);

    // infer returns the full sequence number of a packet whose header carries
    // wire_seq: the value itself without ESN, or with the high-order 32 bits
    // inferred as RFC 4303 Appendix A2.1 says. The ICV (which covers the high
    // bits) decides whether the inference was right.
    [[nodiscard]] std::uint64_t infer(std::uint32_t wire_seq) const noexcept;

    // check tells whether seq may still be accepted. It changes nothing.
    [[nodiscard]] ReplayVerdict check(std::uint64_t seq) const noexcept;

    // accept marks seq received and slides the window if seq is the new
    // highest. Call only after the packet's ICV verified. Returns false (and
    // changes nothing) if seq is no longer Fresh.
    bool accept(std::uint64_t seq) noexcept;

    // highest is the largest sequence number accepted so far (0: none yet).
    [[nodiscard]] std::uint64_t highest() const noexcept { return highest_; }
    // size is the window width in packets.
    [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
    [[nodiscard]] bool esn() const noexcept { return esn_; }

private:
    ReplayWindow(std::uint32_t size, bool esn, std::uint32_t blocks);

    std::uint32_t size_;
    bool esn_;
    std::uint32_t block_mask_;  // number of blocks - 1 (a power of two)
    std::uint64_t highest_ = 0;
    std::unique_ptr<std::uint64_t[]> bits_;  // allocated once, at SA install
};

}  // namespace strata::ipsec
