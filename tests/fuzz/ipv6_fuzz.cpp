// ipv6_fuzz.cpp: parse_ipv6 on arbitrary bytes; check the walk's invariants and
// that the fixed header rebuilds to the same bytes.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv6.hpp"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const core::ByteView input(data, size);
    auto p = packet::parse_ipv6(input);
    if (!p) return 0;
    const std::size_t end = packet::kIpv6HeaderLength + p->header.payload_length;
    if (end > size || p->payload.size() != p->header.payload_length) __builtin_trap();

    // The walked headers tile the bytes from 40 up to the upper-layer header.
    std::size_t at = packet::kIpv6HeaderLength;
    std::uint8_t next = p->header.next_header;
    if (p->ext_count > packet::kMaxIpv6ExtensionHeaders) __builtin_trap();
    for (const auto& e : p->extension_headers()) {
        if (e.offset != at || e.type != next || !packet::is_ipv6_extension_header(e.type)) __builtin_trap();
        if (e.length < 8 || e.offset + e.length > end || input[e.offset] != e.next_header) __builtin_trap();
        at += e.length;
        next = e.next_header;
    }
    if (p->upper_offset != at || p->upper_protocol != next) __builtin_trap();
    if (p->upper.size() != end - at) __builtin_trap();
    const bool later_fragment = p->fragment && p->fragment->offset != 0;
    if (!later_fragment && packet::is_ipv6_extension_header(next)) __builtin_trap();
    if (p->esp_insert_offset < packet::kIpv6HeaderLength || p->esp_insert_offset > p->upper_offset)
        __builtin_trap();
    if (input[p->esp_next_header_field] != p->esp_next_header) __builtin_trap();

    auto built = packet::build_ipv6(p->header, p->payload);
    if (!built || !core::equal_public(*built, input.first(end))) __builtin_trap();
    return 0;
}
