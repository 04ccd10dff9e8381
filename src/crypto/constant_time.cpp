#include "crypto/constant_time.hpp"

#include <openssl/crypto.h>

namespace strata::crypto {

bool constant_time_equal(core::ByteView a, core::ByteView b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace strata::crypto
