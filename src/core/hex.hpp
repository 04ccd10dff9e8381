// hex.hpp: lower-case hex encoding and strict decoding.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace strata::core {

// to_hex returns the lower-case hex of b, two digits per byte, no separators.
std::string to_hex(ByteView b);

// from_hex decodes hex (either case; no separators, no prefix). Fails with
// Error::InvalidHex on an odd length or a non-hex character.
Result<Bytes> from_hex(std::string_view hex);

}  // namespace strata::core
