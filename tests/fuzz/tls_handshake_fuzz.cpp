// tls_handshake_fuzz.cpp: handshake reassembly over arbitrary record
// fragments, then the hello codecs on every complete message.
//
// The first byte sets the fragment size. A ClientHello or ServerHello that
// parses must rebuild to the same bytes, and its extensions are decoded
// (server extensions against the last ClientHello's offer).
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "tls/handshake.hpp"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t step = std::size_t{data[0]} + 1;
    const core::ByteView stream(data + 1, size - 1);
    tls::HandshakeReassembler r(1 << 16);
    std::vector<std::uint16_t> offered;
    for (std::size_t at = 0; at < stream.size(); at += step) {
        r.feed(stream.subspan(at, std::min(step, stream.size() - at)));
        for (;;) {
            auto m = r.next();
            if (!m) return 0;
            if (!m->has_value()) break;
            const tls::HandshakeMessage& msg = **m;
            auto framed = tls::build_handshake(msg.type, msg.body());
            if (!framed || *framed != msg.encoded) __builtin_trap();
            if (msg.type == tls::HandshakeType::ClientHello) {
                auto ch = tls::parse_client_hello(msg.body());
                if (!ch) continue;
                auto body = tls::build_client_hello(*ch);
                if (!body || !core::equal_public(*body, msg.body())) __builtin_trap();
                (void)tls::decode_client_hello_extensions(*ch);
                offered = tls::offered_extension_types(*ch);
            } else if (msg.type == tls::HandshakeType::ServerHello) {
                auto sh = tls::parse_server_hello(msg.body());
                if (!sh) continue;
                auto body = tls::build_server_hello(*sh);
                if (!body || !core::equal_public(*body, msg.body())) __builtin_trap();
                (void)tls::decode_server_hello_extensions(*sh, offered);
                (void)tls::downgrade_sentinel(sh->random);
                (void)tls::is_hello_retry_request(*sh);
            }
        }
    }
    return 0;
}
