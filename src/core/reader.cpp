#include "core/reader.hpp"

#include <cstring>

namespace strata::core {

namespace {

template <typename T>
Result<T> read_be(ByteView data, std::size_t& pos, std::size_t width) noexcept {
    if (data.size() - pos < width) return fail(Error::Truncated);
    T v = 0;
    for (std::size_t i = 0; i < width; ++i) v = static_cast<T>((v << 8) | data[pos + i]);
    pos += width;
    return v;
}

}  // namespace

Result<std::uint8_t> Reader::u8() noexcept { return read_be<std::uint8_t>(data_, pos_, 1); }
Result<std::uint16_t> Reader::u16() noexcept { return read_be<std::uint16_t>(data_, pos_, 2); }
Result<std::uint32_t> Reader::u24() noexcept { return read_be<std::uint32_t>(data_, pos_, 3); }
Result<std::uint32_t> Reader::u32() noexcept { return read_be<std::uint32_t>(data_, pos_, 4); }
Result<std::uint64_t> Reader::u64() noexcept { return read_be<std::uint64_t>(data_, pos_, 8); }

Result<std::uint8_t> Reader::peek_u8() const noexcept {
    if (empty()) return fail(Error::Truncated);
    return data_[pos_];
}

Result<ByteView> Reader::bytes(std::size_t n) noexcept {
    if (remaining() < n) return fail(Error::Truncated);
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

Status Reader::copy_to(MutableByteView out) noexcept {
    if (remaining() < out.size()) return fail(Error::Truncated);
    if (!out.empty()) std::memcpy(out.data(), data_.data() + pos_, out.size());
    pos_ += out.size();
    return {};
}

Status Reader::skip(std::size_t n) noexcept {
    if (remaining() < n) return fail(Error::Truncated);
    pos_ += n;
    return {};
}

Result<Reader> Reader::sub(std::size_t n) noexcept {
    auto b = bytes(n);
    if (!b) return fail(b.error());
    return Reader(*b);
}

namespace {

template <typename LenResult>
Result<Reader> prefixed(Reader& r, LenResult len) noexcept {
    if (!len) return fail(len.error());
    return r.sub(static_cast<std::size_t>(*len));
}

}  // namespace

// Each prefixed read is all-or-nothing: on failure the cursor is restored.
Result<Reader> Reader::prefixed8() noexcept {
    const std::size_t saved = pos_;
    auto r = prefixed(*this, u8());
    if (!r) pos_ = saved;
    return r;
}
Result<Reader> Reader::prefixed16() noexcept {
    const std::size_t saved = pos_;
    auto r = prefixed(*this, u16());
    if (!r) pos_ = saved;
    return r;
}
Result<Reader> Reader::prefixed24() noexcept {
    const std::size_t saved = pos_;
    auto r = prefixed(*this, u24());
    if (!r) pos_ = saved;
    return r;
}
Result<Reader> Reader::prefixed32() noexcept {
    const std::size_t saved = pos_;
    auto r = prefixed(*this, u32());
    if (!r) pos_ = saved;
    return r;
}

ByteView Reader::take_rest() noexcept {
    ByteView v = rest();
    pos_ = data_.size();
    return v;
}

Status Reader::expect_empty() const noexcept {
    if (!empty()) return fail(Error::TrailingBytes);
    return {};
}

}  // namespace strata::core
