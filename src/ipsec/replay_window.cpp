#include "ipsec/replay_window.hpp"

namespace strata::ipsec {

namespace {

constexpr std::uint32_t kBlockBits = 64;

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

}  // namespace strata::ipsec
