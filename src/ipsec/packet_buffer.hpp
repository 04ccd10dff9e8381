// packet_buffer.hpp: one packet with headroom and tailroom, for in-place work.
//
// ESP and AH grow and shrink packets at both ends (outer headers in front,
// padding and ICV behind) and in the middle (transport mode inserts its
// header after the IP header). A PacketBuffer owns one fixed allocation made
// when it is created; nothing it does afterwards allocates, so a pool of them
// carries the datapath without per-packet heap use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace strata::ipsec {

class PacketBuffer {
public:
    // kDefaultHeadroom leaves room for an outer IPv6 header, UDP encapsulation,
    // ESP and AH headers with IVs in front of a packet.
    static constexpr std::size_t kDefaultHeadroom = 192;
    // kCapacity fits the largest IP packet plus the headroom and the largest
    // trailer (padding, pad length, next header, ICV) ESP and AH add.
    static constexpr std::size_t kCapacity = 65535 + kDefaultHeadroom + 320;

    PacketBuffer();
    PacketBuffer(PacketBuffer&&) noexcept = default;
    PacketBuffer& operator=(PacketBuffer&&) noexcept = default;
    PacketBuffer(const PacketBuffer&) = delete;
    PacketBuffer& operator=(const PacketBuffer&) = delete;

    // assign copies bytes in, leaving `headroom` bytes free in front. Fails
    // with BufferTooSmall if they do not fit.
    core::Status assign(core::ByteView bytes, std::size_t headroom = kDefaultHeadroom) noexcept;
    // clear empties the buffer and restores the default headroom.
    void clear() noexcept;

    // view / data return the packet bytes.
    [[nodiscard]] core::ByteView view() const noexcept { return {store_.get() + head_, len_}; }
    [[nodiscard]] core::MutableByteView data() noexcept { return {store_.get() + head_, len_}; }
    [[nodiscard]] std::size_t size() const noexcept { return len_; }
    [[nodiscard]] bool empty() const noexcept { return len_ == 0; }
    [[nodiscard]] std::size_t headroom() const noexcept { return head_; }
    [[nodiscard]] std::size_t tailroom() const noexcept { return kCapacity - head_ - len_; }

    // push_front grows the packet by n bytes in front and returns them (empty
    // view, nothing changed, if the headroom is short). (This and the three
    // below are inline: ESP and AH call them for every packet.)
    core::MutableByteView push_front(std::size_t n) noexcept {
        if (n > head_) return {};
        head_ -= n;
        len_ += n;
        return {store_.get() + head_, n};
    }
    // pull_front removes n bytes from the front; false if fewer are present.
    bool pull_front(std::size_t n) noexcept {
        if (n > len_) return false;
        head_ += n;
        len_ -= n;
        return true;
    }
    // push_back grows the packet by n bytes at the end and returns them (empty
    // view, nothing changed, if the tailroom is short).
    core::MutableByteView push_back(std::size_t n) noexcept {
        if (n > tailroom()) return {};
        std::uint8_t* p = store_.get() + head_ + len_;
        len_ += n;
        return {p, n};
    }
    // trim_back removes n bytes from the end; false if fewer are present.
    bool trim_back(std::size_t n) noexcept {
        if (n > len_) return false;
        len_ -= n;
        return true;
    }
    // open_gap inserts n bytes at offset by moving the first `offset` bytes
    // forward into the headroom, and returns the gap (empty on failure).
    core::MutableByteView open_gap(std::size_t offset, std::size_t n) noexcept;
    // close_gap removes n bytes at offset by moving the first `offset` bytes
    // back over them; false if the range is out of bounds.
    bool close_gap(std::size_t offset, std::size_t n) noexcept;

private:
    std::unique_ptr<std::uint8_t[]> store_;
    std::size_t head_ = kDefaultHeadroom;
    std::size_t len_ = 0;
};

}  // namespace strata::ipsec
