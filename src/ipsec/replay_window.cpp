#include "ipsec/replay_window.hpp"

namespace strata::ipsec {

namespace {

constexpr unsigned kBlockBits = 64;
constexpr unsigned kBlockShift = 6;

// Enough 64-bit blocks to hold `size` bits plus one block being filled while
// the oldest is still partly inside the window (RFC 6479 §2), rounded up to a
// power of two so a block index is a mask, not a division.
std::uint32_t blocks_for(std::uint32_t size) {
    std::uint32_t need = (size + kBlockBits - 1) / kBlockBits + 1;
    std::uint32_t n = 1;
    while (n < need) n <<= 1;
    return n;
}

}  // namespace

core::Result<ReplayWindow, ReplayWindow::WindowError> ReplayWindow::create(std::uint32_t size, bool esn) {
    if (size < kMinSize || size > kMaxSize) return core::fail(WindowError::SizeOutOfRange);
    return ReplayWindow(size, esn, blocks_for(size));
}

ReplayWindow::ReplayWindow(std::uint32_t size, bool esn, std::uint32_t blocks)
    : size_(size), esn_(esn), block_mask_(blocks - 1), bits_(std::make_unique<std::uint64_t[]>(blocks)) {}

std::uint64_t ReplayWindow::infer(std::uint32_t wire_seq) const noexcept {
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

ReplayVerdict ReplayWindow::check(std::uint64_t seq) const noexcept {
    if (seq == 0) return ReplayVerdict::TooOld;  // RFC 4303 §3.3.3: the first packet is 1
    if (seq > highest_) return ReplayVerdict::Fresh;
    if (highest_ - seq >= size_) return ReplayVerdict::TooOld;
    const std::uint64_t block = bits_[(seq >> kBlockShift) & block_mask_];
    const std::uint64_t bit = std::uint64_t{1} << (seq & (kBlockBits - 1));
    return (block & bit) != 0 ? ReplayVerdict::Duplicate : ReplayVerdict::Fresh;
}

bool ReplayWindow::accept(std::uint64_t seq) noexcept {
    if (check(seq) != ReplayVerdict::Fresh) return false;
    if (seq > highest_) {
        // RFC 6479 §2: clear the blocks the window slides over, at most all of them.
        const std::uint64_t from = highest_ >> kBlockShift;
        const std::uint64_t to = seq >> kBlockShift;
        const std::uint64_t steps = to - from;
        const std::uint64_t clear = steps > block_mask_ + 1ULL ? block_mask_ + 1ULL : steps;
        for (std::uint64_t i = 1; i <= clear; ++i) bits_[(from + i) & block_mask_] = 0;
        highest_ = seq;
    }
    bits_[(seq >> kBlockShift) & block_mask_] |= std::uint64_t{1} << (seq & (kBlockBits - 1));
    return true;
}

}  // namespace strata::ipsec
