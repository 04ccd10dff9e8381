// writer.hpp: core::Writer, the one builder for all wire bytes.
//
// A Writer appends big-endian integers and byte strings either to a growable
// Bytes (control plane) or into a fixed span (datapath: no allocation). Errors
// are sticky, as in BoringSSL's CBB: after the first overflow every write is a
// no-op and status() reports the error, so a builder writes a whole message
// and checks once. Length prefixes are written as scopes: open_length()
// reserves the prefix, close_length() fills it in from what was written since.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace strata::core {

class Writer {
public:
    // Writer(out) appends to out, growing it as needed.
    explicit Writer(Bytes& out) noexcept : vec_(&out), vec_start_(out.size()) {}
    // Writer(buf) writes into buf and never allocates; writing past its end
    // fails with Error::WriterOverflow. (Inline, as the writes into a fixed
    // buffer are: the datapath builds headers with it for every packet.)
    explicit Writer(MutableByteView buf) noexcept : fixed_(buf), room_(buf.size()) {}

    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // u8/u16/u24/u32/u64 append a big-endian integer (inline: packet path).
    void u8(std::uint8_t v) noexcept { put_be(v, 1); }
    void u16(std::uint16_t v) noexcept { put_be(v, 2); }
    void u24(std::uint32_t v) noexcept;  // fails with LengthOverflow if v >= 2^24
    void u32(std::uint32_t v) noexcept { put_be(v, 4); }
    void u64(std::uint64_t v) noexcept { put_be(v, 8); }
    void bytes(ByteView b) noexcept {
        std::uint8_t* p = grow(b.size());
        if (p != nullptr && !b.empty()) std::memcpy(p, b.data(), b.size());
    }
    // bytes of a fixed-size view (span.first<N>()): a copy of known length,
    // which the compiler turns into a few moves instead of a memcpy call.
    // (A ByteView argument still takes the overload above: a non-template
    // wins a tie.)
    template <std::size_t N>
    void bytes(std::span<const std::uint8_t, N> b) noexcept {
        std::uint8_t* p = grow(N);
        if (p != nullptr && N != 0) std::memcpy(p, b.data(), N);
    }
    void zeros(std::size_t n) noexcept {
        std::uint8_t* p = grow(n);
        if (p != nullptr && n != 0) std::memset(p, 0, n);
    }

    // reserve appends n bytes and returns a view of them to fill in place
    // (for example a ciphertext). On failure it returns an empty view. The view
    // stays valid until the next write to a growable Writer.
    MutableByteView reserve(std::size_t n) noexcept {
        std::uint8_t* p = grow(n);
        if (p == nullptr) return {};
        return {p, n};
    }

    // LengthScope marks a length prefix written by open_length().
    struct LengthScope {
        std::size_t at = 0;     // offset of the prefix in the output
        std::size_t width = 0;  // prefix width in bytes (1..4)
    };
    // open_length writes a width-byte zero placeholder for a length.
    LengthScope open_length(std::size_t width) noexcept;
    // close_length fills the placeholder with the number of bytes written
    // after it; fails with LengthOverflow if that does not fit the width.
    void close_length(LengthScope scope) noexcept;

    // patch_u16/patch_u32 overwrite bytes already written at offset (for
    // checksums or fields known only at the end).
    void patch_u16(std::size_t offset, std::uint16_t v) noexcept;
    void patch_u32(std::size_t offset, std::uint32_t v) noexcept;

    // size returns the number of bytes this Writer has written.
    [[nodiscard]] std::size_t size() const noexcept { return len_; }
    // written returns a view of the bytes this Writer has written.
    [[nodiscard]] ByteView written() const noexcept;
    // mutable_written is written() for in-place edits (checksums, encryption).
    [[nodiscard]] MutableByteView mutable_written() noexcept;
    // status is ok unless some write failed; the first error sticks.
    [[nodiscard]] Status status() const noexcept;
    [[nodiscard]] bool ok() const noexcept { return err_ == Error{}; }

private:
    // grow reserves n more bytes and returns them, or null after an error.
    // The fixed-buffer case is inline; growing a vector is not.
    std::uint8_t* grow(std::size_t n) noexcept {
        // One comparison: 1 <= n <= room_. room_ is 0 for a growable Writer
        // and after an error, so those (and n = 0) take the slow path.
        if (n - 1 < room_) {
            std::uint8_t* p = fixed_.data() + len_;
            len_ += n;
            room_ -= n;
            return p;
        }
        return grow_slow(n);
    }
    std::uint8_t* grow_slow(std::size_t n) noexcept;
    // put_be stores the low `width` bytes of v big-endian. The 2-, 4- and
    // 8-byte widths are a byte swap and one store (compilers do not fuse the
    // byte loop into that themselves; the datapath writes every header
    // field through here).
    void put_be(std::uint64_t v, std::size_t width) noexcept {
        std::uint8_t* p = grow(width);
        if (p == nullptr) return;
        if constexpr (std::endian::native == std::endian::little) {
            if (width == 8) {
                const std::uint64_t be = __builtin_bswap64(v);
                std::memcpy(p, &be, 8);
                return;
            }
            if (width == 4) {
                const std::uint32_t be = __builtin_bswap32(static_cast<std::uint32_t>(v));
                std::memcpy(p, &be, 4);
                return;
            }
            if (width == 2) {
                const std::uint16_t be = __builtin_bswap16(static_cast<std::uint16_t>(v));
                std::memcpy(p, &be, 2);
                return;
            }
        }
        for (std::size_t i = 0; i < width; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (width - 1 - i)));
    }
    void set_error(Error e) noexcept;
    std::uint8_t* base() noexcept;

    Bytes* vec_ = nullptr;       // growable target, or null
    std::size_t vec_start_ = 0;  // where this Writer began in *vec_
    MutableByteView fixed_{};    // fixed target when vec_ is null
    std::size_t room_ = 0;       // fixed target: bytes left; 0 once an error is set
    std::size_t len_ = 0;
    Error err_{};
};

}  // namespace strata::core
