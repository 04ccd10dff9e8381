#include "core/reader.hpp"

#include <cstring>

namespace strata::core {

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
