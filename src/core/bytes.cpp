#include "core/bytes.hpp"

#include <algorithm>

namespace strata::core {

Bytes concat(std::initializer_list<ByteView> parts) {
    std::size_t n = 0;
    for (ByteView p : parts) n += p.size();
    Bytes out;
    out.reserve(n);
    for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

bool equal_public(ByteView a, ByteView b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace strata::core
