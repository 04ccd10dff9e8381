// ipv4_fuzz.cpp: parse_ipv4 on arbitrary bytes; what parses must rebuild to the same bytes.
//
// A header that fails only its checksum is repaired and parsed again, so the
// fuzzer gets past the checksum without having to solve it.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "packet/checksum.hpp"
#include "packet/ipv4.hpp"

using namespace strata;

namespace {

void check_round_trip(core::ByteView input) {
    auto p = packet::parse_ipv4(input);
    if (!p) return;
    const packet::Ipv4Header& h = p->header;
    if (h.header_length() + p->payload.size() != h.total_length) __builtin_trap();
    auto built = packet::build_ipv4(h, p->payload);
    if (!built || built->size() != h.total_length) __builtin_trap();
    for (std::size_t i = 0; i < built->size(); ++i) {
        // 0x0000 and 0xffff are both zero in one's complement: either may verify.
        if (i == 10 || i == 11) continue;
        if ((*built)[i] != input[i]) __builtin_trap();
    }
    auto again = packet::parse_ipv4(*built);
    if (!again || again->header.src != h.src || again->header.dst != h.dst ||
        !core::equal_public(again->payload, p->payload) ||
        !core::equal_public(again->header.options, h.options)) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const core::ByteView input(data, size);
    auto p = packet::parse_ipv4(input);
    if (p) {
        check_round_trip(input);
    } else if (p.error() == core::Error::BadChecksum) {
        // Every check before the checksum passed, so the IHL nibble is sound.
        core::Bytes fixed(input.begin(), input.end());
        const std::size_t header_length = static_cast<std::size_t>(fixed[0] & 0x0f) * 4;
        fixed[10] = fixed[11] = 0;
        const std::uint16_t sum = packet::internet_checksum(core::ByteView(fixed).first(header_length));
        fixed[10] = static_cast<std::uint8_t>(sum >> 8);
        fixed[11] = static_cast<std::uint8_t>(sum);
        if (!packet::parse_ipv4(fixed)) __builtin_trap();
        check_round_trip(fixed);
    }
    return 0;
}
