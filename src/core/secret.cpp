#include "core/secret.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

namespace strata::core {

void wipe(MutableByteView v) noexcept {
    if (!v.empty()) OPENSSL_cleanse(v.data(), v.size());
}

SecretBytes::SecretBytes(std::size_t n) {
    reallocate(n);
    size_ = n;
}

SecretBytes::SecretBytes(ByteView v) : SecretBytes(v.size()) {
    if (!v.empty()) std::memcpy(data_.get(), v.data(), v.size());
}

SecretBytes::~SecretBytes() { clear(); }

SecretBytes::SecretBytes(SecretBytes&& o) noexcept
    : data_(std::move(o.data_)), size_(o.size_), capacity_(o.capacity_) {
    o.size_ = 0;
    o.capacity_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
        clear();
        data_ = std::move(o.data_);
        size_ = o.size_;
        capacity_ = o.capacity_;
        o.size_ = 0;
        o.capacity_ = 0;
    }
    return *this;
}

SecretBytes SecretBytes::clone() const { return SecretBytes(view()); }

void SecretBytes::clear() noexcept {
    if (data_) OPENSSL_cleanse(data_.get(), capacity_);
    data_.reset();
    size_ = 0;
    capacity_ = 0;
}

void SecretBytes::reallocate(std::size_t capacity) {
    // Zero-initialised so that a grown buffer never exposes stale memory.
    auto fresh = std::make_unique<std::uint8_t[]>(std::max<std::size_t>(capacity, 1));
    if (data_) {
        std::memcpy(fresh.get(), data_.get(), std::min(size_, capacity));
        OPENSSL_cleanse(data_.get(), capacity_);
    }
    data_ = std::move(fresh);
    capacity_ = std::max<std::size_t>(capacity, 1);
}

void SecretBytes::resize(std::size_t n) {
    if (n > capacity_) {
        reallocate(n);
    } else if (n < size_) {
        OPENSSL_cleanse(data_.get() + n, size_ - n);
    }
    size_ = n;
}

void SecretBytes::append(ByteView v) {
    const std::size_t old = size_;
    if (old + v.size() > capacity_) reallocate(std::max(old + v.size(), capacity_ * 2));
    if (!v.empty()) std::memcpy(data_.get() + old, v.data(), v.size());
    size_ = old + v.size();
}

}  // namespace strata::core
