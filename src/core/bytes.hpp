// bytes.hpp: the byte types every layer shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace strata::core {

// Bytes is an owned, growable byte buffer (not for secrets: see SecretBytes).
using Bytes = std::vector<std::uint8_t>;
// ByteView is a non-owning view of bytes to read.
using ByteView = std::span<const std::uint8_t>;
// MutableByteView is a non-owning view of bytes to write in place.
using MutableByteView = std::span<std::uint8_t>;

// concat returns the bytes of every view, one after another.
Bytes concat(std::initializer_list<ByteView> parts);

// equal_public compares two public byte strings (not constant time; for
// secrets and tags use crypto::constant_time_equal).
bool equal_public(ByteView a, ByteView b) noexcept;

}  // namespace strata::core
