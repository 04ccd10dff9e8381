// replay_window.hpp: the anti-replay window of an inbound SA.
//
// RFC 4303 §3.4.3 and Appendix A, with the block bitmap of RFC 6479: the
// window is a ring of 64-bit blocks; sliding it clears only the blocks that
// fall out, never shifting the whole bitmap, so a check and an update cost
// O(1) whatever the window size and however many packets are lost.
//
// Use it in the order RFC 4303 asks: infer() the full sequence number (ESN),
// check() it BEFORE the ICV, and accept() it only AFTER the ICV verified.
//
// check() and accept() are inline: they run for every inbound packet and are
// a handful of instructions each. A packet that is the new highest slides the
// window by clearing only the blocks it passes (one block per 64 packets in
// order; all of them at most, after a long gap), so the in-order cost is the
// same for every window size.
#pragma once

#include <algorithm>
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
    [[nodiscard]] std::uint64_t infer(std::uint32_t wire_seq) const noexcept {
        if (!esn_) return wire_seq;
        // RFC 4303 Appendix A2.1. T = Th:Tl is the highest received; W the size.
        const auto tl = static_cast<std::uint32_t>(highest_);
        const auto th = static_cast<std::uint32_t>(highest_ >> 32);
        const std::uint32_t bottom = tl - size_ + 1;  // Tl - W + 1, mod 2^32
        std::uint32_t seqh = 0;
        if (tl >= size_ - 1) {
            // Case A: the window lies within one 2^32 subspace.
            seqh = wire_seq >= bottom ? th : th + 1;
        } else {
            // Case B: the window spans two subspaces; a number at or above the
            // bottom belongs to the previous one. With Th = 0 there is none: the
            // packet is simply ahead.
            seqh = (wire_seq >= bottom && th > 0) ? th - 1 : th;
        }
        return (static_cast<std::uint64_t>(seqh) << 32) | wire_seq;
    }

    // check tells whether seq may still be accepted. It changes nothing.
    [[nodiscard]] ReplayVerdict check(std::uint64_t seq) const noexcept {
        if (seq > highest_) return ReplayVerdict::Fresh;  // right of the window (seq > 0)
        // RFC 4303 §3.3.3: no sender uses 0 (the first packet is 1).
        if (seq == 0 || highest_ - seq >= size_) return ReplayVerdict::TooOld;
        return (bits_[block_of(seq)] & bit_of(seq)) != 0 ? ReplayVerdict::Duplicate : ReplayVerdict::Fresh;
    }

    // accept marks seq received and slides the window if seq is the new
    // highest. Call only after the packet's ICV verified. Returns false (and
    // changes nothing) if seq is no longer Fresh.
    bool accept(std::uint64_t seq) noexcept {
        if (seq > highest_) {
            // RFC 6479 §2: the blocks between the old and the new highest
            // fall out of the window; clear them (none within one block).
            const std::uint64_t from = highest_ >> kBlockShift;
            const std::uint64_t to = seq >> kBlockShift;
            if (to != from) clear_blocks(from, to);
            highest_ = seq;
            bits_[block_of(seq)] |= bit_of(seq);
            return true;
        }
        if (seq == 0 || highest_ - seq >= size_) return false;
        std::uint64_t& block = bits_[block_of(seq)];
        const std::uint64_t bit = bit_of(seq);
        if ((block & bit) != 0) return false;
        block |= bit;
        return true;
    }

    // highest is the largest sequence number accepted so far (0: none yet).
    [[nodiscard]] std::uint64_t highest() const noexcept { return highest_; }
    // size is the window width in packets.
    [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
    [[nodiscard]] bool esn() const noexcept { return esn_; }

private:
    static constexpr unsigned kBlockBits = 64;
    static constexpr unsigned kBlockShift = 6;  // log2(kBlockBits)

    ReplayWindow(std::uint32_t size, bool esn, std::uint32_t blocks);

    // block_of is seq's block in the ring (a mask: the block count is a power of two).
    [[nodiscard]] std::size_t block_of(std::uint64_t seq) const noexcept {
        return static_cast<std::size_t>((seq >> kBlockShift) & block_mask_);
    }
    // bit_of is seq's bit within its block.
    [[nodiscard]] static std::uint64_t bit_of(std::uint64_t seq) noexcept {
        return std::uint64_t{1} << (seq & (kBlockBits - 1));
    }
    // clear_blocks empties the blocks after block `from` up to and including
    // block `to` (to > from), at most the whole ring.
    void clear_blocks(std::uint64_t from, std::uint64_t to) noexcept {
        const std::uint64_t ring = std::uint64_t{block_mask_} + 1;
        if (to - from >= ring) {
            std::fill(bits_.get(), bits_.get() + ring, std::uint64_t{0});
            return;
        }
        for (std::uint64_t b = from + 1; b <= to; ++b) bits_[b & block_mask_] = 0;
    }

    std::uint32_t size_;
    bool esn_;
    std::uint32_t block_mask_;  // number of blocks - 1 (a power of two)
    std::uint64_t highest_ = 0;
    std::unique_ptr<std::uint64_t[]> bits_;  // allocated once, at SA install
};

}  // namespace strata::ipsec
