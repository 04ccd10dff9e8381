// secret.hpp: SecretBytes, key material that wipes itself.
//
// Keys, shared secrets and derived secrets live in SecretBytes. Its storage is
// cleansed with OPENSSL_cleanse (which the compiler cannot optimise away) when
// it is destroyed, resized smaller, assigned over or cleared. It cannot be
// copied by accident: clone() is the explicit copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/bytes.hpp"

namespace strata::core {

class SecretBytes {
public:
    SecretBytes() = default;
    // SecretBytes(n) holds n zero bytes.
    explicit SecretBytes(std::size_t n);
    // SecretBytes(view) copies the bytes of view.
    explicit SecretBytes(ByteView v);
    ~SecretBytes();

    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    SecretBytes(SecretBytes&& o) noexcept;
    SecretBytes& operator=(SecretBytes&& o) noexcept;

    // clone returns an independent copy.
    [[nodiscard]] SecretBytes clone() const;
    // clear wipes and empties the buffer.
    void clear() noexcept;
    // resize changes the size; bytes past the new end are wiped first.
    void resize(std::size_t n);
    // append adds bytes at the end (reallocating wipes the old storage).
    void append(ByteView v);

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::uint8_t* data() noexcept { return data_.get(); }
    [[nodiscard]] const std::uint8_t* data() const noexcept { return data_.get(); }
    [[nodiscard]] ByteView view() const noexcept { return {data_.get(), size_}; }
    [[nodiscard]] MutableByteView mutable_view() noexcept { return {data_.get(), size_}; }
    // NOLINTNEXTLINE(google-explicit-constructor): a secret is readable as a view
    operator ByteView() const noexcept { return view(); }

private:
    void reallocate(std::size_t capacity);

    std::unique_ptr<std::uint8_t[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

// wipe overwrites a buffer with zeros in a way the compiler keeps.
void wipe(MutableByteView v) noexcept;

}  // namespace strata::core
