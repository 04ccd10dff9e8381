// reader.hpp: core::Reader, the one bounded reader for all wire bytes.
//
// Every read checks the length first and either advances or fails with
// Error::Truncated, leaving the reader where it was. Length-prefixed fields
// come back as child Readers bounded to the field, so a parser can never read
// past the field it is in. Integers are big-endian (network order).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace strata::core {

// Reader is a non-owning, bounds-checked cursor over a byte view. Copying a
// Reader is cheap and gives an independent cursor over the same bytes.
class Reader {
public:
    Reader() = default;
    explicit Reader(ByteView data) noexcept : data_(data) {}

    // remaining returns how many bytes are left to read.
    [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
    // empty is true when nothing is left.
    [[nodiscard]] bool empty() const noexcept { return remaining() == 0; }
    // offset returns how many bytes have been consumed from the start.
    [[nodiscard]] std::size_t offset() const noexcept { return pos_; }
    // rest returns the unread bytes without consuming them.
    [[nodiscard]] ByteView rest() const noexcept { return data_.subspan(pos_); }
    // whole returns every byte the reader was built over, read or not.
    [[nodiscard]] ByteView whole() const noexcept { return data_; }

    // u8/u16/u24/u32/u64 read a big-endian unsigned integer. They are defined
    // here so that the compiler can inline them on the packet path.
    Result<std::uint8_t> u8() noexcept { return read_be<std::uint8_t, 1>(); }
    Result<std::uint16_t> u16() noexcept { return read_be<std::uint16_t, 2>(); }
    Result<std::uint32_t> u24() noexcept { return read_be<std::uint32_t, 3>(); }
    Result<std::uint32_t> u32() noexcept { return read_be<std::uint32_t, 4>(); }
    Result<std::uint64_t> u64() noexcept { return read_be<std::uint64_t, 8>(); }

    // peek_u8 returns the next byte without consuming it.
    [[nodiscard]] Result<std::uint8_t> peek_u8() const noexcept;

    // bytes consumes n bytes and returns a view of them.
    Result<ByteView> bytes(std::size_t n) noexcept;
    // copy_to consumes out.size() bytes into out.
    Status copy_to(MutableByteView out) noexcept;
    // skip consumes n bytes.
    Status skip(std::size_t n) noexcept;
    // sub consumes n bytes and returns a Reader bounded to them.
    Result<Reader> sub(std::size_t n) noexcept;
    // prefixed8/16/24/32 read a length of that width, then return a Reader
    // over exactly that many following bytes (TLS vectors, IKE payloads).
    Result<Reader> prefixed8() noexcept;
    Result<Reader> prefixed16() noexcept;
    Result<Reader> prefixed24() noexcept;
    Result<Reader> prefixed32() noexcept;
    // take_rest consumes and returns everything left.
    ByteView take_rest() noexcept;

    // expect_empty fails with Error::TrailingBytes if anything is left.
    [[nodiscard]] Status expect_empty() const noexcept;

private:
    template <typename T, std::size_t W>
    Result<T> read_be() noexcept {
        if (data_.size() - pos_ < W) return fail(Error::Truncated);
        const std::uint8_t* p = data_.data() + pos_;
        pos_ += W;
        return load_be<T, W>(p);
    }

    // load_be reads W big-endian bytes at p (already bounds-checked). The
    // 2-, 4- and 8-byte widths are one load and a byte swap: compilers do not
    // fuse the byte loop into that themselves, and the datapath reads every
    // header field through here.
    template <typename T, std::size_t W>
    static T load_be(const std::uint8_t* p) noexcept {
        constexpr bool kSwap = W == sizeof(T) && std::endian::native == std::endian::little;
        if constexpr (kSwap && W == 2) {
            std::uint16_t v = 0;
            std::memcpy(&v, p, 2);
            return static_cast<T>(__builtin_bswap16(v));
        } else if constexpr (kSwap && W == 4) {
            std::uint32_t v = 0;
            std::memcpy(&v, p, 4);
            return static_cast<T>(__builtin_bswap32(v));
        } else if constexpr (kSwap && W == 8) {
            std::uint64_t v = 0;
            std::memcpy(&v, p, 8);
            return static_cast<T>(__builtin_bswap64(v));
        } else {
            T v = 0;
            for (std::size_t i = 0; i < W; ++i) v = static_cast<T>((v << 8) | p[i]);
            return v;
        }
    }

    ByteView data_{};
    std::size_t pos_ = 0;
};

}  // namespace strata::core
