// constant_time.hpp: comparisons whose timing does not depend on secret bytes.
#pragma once

#include "core/bytes.hpp"

namespace strata::crypto {

// constant_time_equal is true when a and b hold the same bytes. The contents
// are compared in time that depends only on the length (CRYPTO_memcmp); the
// lengths themselves are treated as public and a length mismatch returns false
// at once. Use it for tags, MACs, Finished and other secret-derived values.
bool constant_time_equal(core::ByteView a, core::ByteView b) noexcept;

}  // namespace strata::crypto
