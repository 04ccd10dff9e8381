#include "core/writer.hpp"

#include <cstring>
#include <new>

namespace strata::core {

void Writer::set_error(Error e) noexcept {
    if (ok()) err_ = e;
    room_ = 0;  // every later write takes the slow path, which refuses it
}

std::uint8_t* Writer::base() noexcept { return vec_ != nullptr ? vec_->data() + vec_start_ : fixed_.data(); }

std::uint8_t* Writer::grow_slow(std::size_t n) noexcept {
    if (!ok()) return nullptr;
    if (vec_ != nullptr) {
        try {
            vec_->resize(vec_start_ + len_ + n);
        } catch (const std::bad_alloc&) {
            set_error(Error::WriterOverflow);
            return nullptr;
        }
    } else if (fixed_.size() - len_ < n) {
        set_error(Error::WriterOverflow);
        return nullptr;
    }
    std::uint8_t* p = base() + len_;
    len_ += n;
    return p;
}

void Writer::u24(std::uint32_t v) noexcept {
    if (v >= (1U << 24)) {
        set_error(Error::LengthOverflow);
        return;
    }
    put_be(v, 3);
}

Writer::LengthScope Writer::open_length(std::size_t width) noexcept {
    LengthScope s{len_, width};
    if (width == 0 || width > 4) {
        set_error(Error::LengthOverflow);
        return s;
    }
    zeros(width);
    return s;
}

void Writer::close_length(LengthScope scope) noexcept {
    if (!ok()) return;
    const std::size_t body = len_ - scope.at - scope.width;
    if (scope.width < 8 && body >= (std::uint64_t{1} << (8 * scope.width))) {
        set_error(Error::LengthOverflow);
        return;
    }
    std::uint8_t* p = base() + scope.at;
    for (std::size_t i = 0; i < scope.width; ++i)
        p[i] = static_cast<std::uint8_t>(body >> (8 * (scope.width - 1 - i)));
}

void Writer::patch_u16(std::size_t offset, std::uint16_t v) noexcept {
    if (!ok()) return;
    if (offset > len_ || len_ - offset < 2) {
        set_error(Error::WriterOverflow);
        return;
    }
    std::uint8_t* p = base() + offset;
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

void Writer::patch_u32(std::size_t offset, std::uint32_t v) noexcept {
    if (!ok()) return;
    if (offset > len_ || len_ - offset < 4) {
        set_error(Error::WriterOverflow);
        return;
    }
    std::uint8_t* p = base() + offset;
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (3 - i)));
}

ByteView Writer::written() const noexcept {
    const std::uint8_t* b = vec_ != nullptr ? vec_->data() + vec_start_ : fixed_.data();
    return {b, len_};
}

MutableByteView Writer::mutable_written() noexcept { return {base(), len_}; }

Status Writer::status() const noexcept {
    if (!ok()) return fail(err_);
    return {};
}

}  // namespace strata::core
