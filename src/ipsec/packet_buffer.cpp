#include "ipsec/packet_buffer.hpp"

#include <cstring>

namespace strata::ipsec {

PacketBuffer::PacketBuffer() : store_(std::make_unique<std::uint8_t[]>(kCapacity)) {}

core::Status PacketBuffer::assign(core::ByteView bytes, std::size_t headroom) noexcept {
    if (headroom > kCapacity || bytes.size() > kCapacity - headroom)
        return core::fail(core::Error::BufferTooSmall);
    head_ = headroom;
    len_ = bytes.size();
    if (!bytes.empty()) std::memcpy(store_.get() + head_, bytes.data(), len_);
    return {};
}

void PacketBuffer::clear() noexcept {
    head_ = kDefaultHeadroom;
    len_ = 0;
}

core::MutableByteView PacketBuffer::open_gap(std::size_t offset, std::size_t n) noexcept {
    if (offset > len_ || n > head_) return {};
    std::uint8_t* old_front = store_.get() + head_;
    std::memmove(old_front - n, old_front, offset);
    head_ -= n;
    len_ += n;
    return {store_.get() + head_ + offset, n};
}

bool PacketBuffer::close_gap(std::size_t offset, std::size_t n) noexcept {
    if (offset > len_ || n > len_ - offset) return false;
    std::uint8_t* front = store_.get() + head_;
    std::memmove(front + n, front, offset);
    head_ += n;
    len_ -= n;
    return true;
}

}  // namespace strata::ipsec
