// messages13.cpp: TLS 1.3 post-hello handshake message codecs (RFC 8446 §4.3-4.6).
#include "tls/messages13.hpp"

#include <algorithm>
#include <string_view>

#include "core/reader.hpp"
#include "core/writer.hpp"

namespace strata::tls {

namespace {

Error frame(core::Error e) noexcept { return from_core(e); }

Result<core::Bytes> finish(HandshakeType t, const core::Bytes& body) { return build_handshake(t, body); }

}  // namespace

Result<std::vector<Extension>> parse_extension_block(core::ByteView body, std::size_t min_length) {
    core::Reader r(body);
    auto block = r.prefixed16();
    if (!block) return fail(frame(block.error()));
    if (auto e = r.expect_empty(); !e) return fail(Error::TrailingBytes);
    if (block->remaining() < min_length) return fail(Error::BadVectorLength);
    std::vector<Extension> out;
    while (!block->empty()) {
        auto type = block->u16();
        if (!type) return fail(Error::Truncated);
        auto data = block->prefixed16();
        if (!data) return fail(Error::Truncated);
        // RFC 8446 §4.2: no more than one extension of the same type.
        for (const auto& e : out) {
            if (e.type == *type) return fail(Error::DuplicateExtension);
        }
        auto bytes = data->take_rest();
        out.push_back(Extension{*type, core::Bytes(bytes.begin(), bytes.end())});
    }
    return out;
}

core::Bytes build_extension_block(const std::vector<Extension>& extensions) {
    core::Bytes out;
    core::Writer w(out);
    auto all = w.open_length(2);
    for (const auto& e : extensions) {
        w.u16(e.type);
        auto one = w.open_length(2);
        w.bytes(e.data);
        w.close_length(one);
    }
    w.close_length(all);
    return out;
}

Result<EncryptedExtensions> parse_encrypted_extensions(core::ByteView body) {
    auto ext = parse_extension_block(body);
    if (!ext) return fail(ext.error());
    return EncryptedExtensions{std::move(*ext)};
}

Result<core::Bytes> build_encrypted_extensions(const EncryptedExtensions& ee) {
    return finish(HandshakeType::EncryptedExtensions, build_extension_block(ee.extensions));
}

Result<CertificateRequest13> parse_certificate_request13(core::ByteView body) {
    core::Reader r(body);
    auto ctx = r.prefixed8();
    if (!ctx) return fail(Error::Truncated);
    CertificateRequest13 cr;
    auto c = ctx->take_rest();
    cr.context.assign(c.begin(), c.end());
    auto ext = parse_extension_block(r.take_rest(), 2);
    if (!ext) return fail(ext.error());
    bool have_sigalgs = false;
    for (auto& e : *ext) {
        if (e.type == static_cast<std::uint16_t>(ExtensionType::SignatureAlgorithms)) {
            core::Reader er(e.data);
            auto list = er.prefixed16();
            if (!list || !er.empty() || list->remaining() < 2 || list->remaining() % 2 != 0) {
                return fail(Error::BadVectorLength);
            }
            while (!list->empty()) cr.signature_algorithms.push_back(list->u16().value());
            have_sigalgs = true;
        } else {
            cr.extensions.push_back(std::move(e));
        }
    }
    // RFC 8446 §4.3.2: "The signature_algorithms extension MUST be specified".
    if (!have_sigalgs) return fail(Error::MissingExtension);
    return cr;
}

Result<core::Bytes> build_certificate_request13(const CertificateRequest13& cr) {
    core::Bytes body;
    core::Writer w(body);
    auto ctx = w.open_length(1);
    w.bytes(cr.context);
    w.close_length(ctx);
    std::vector<Extension> ext = cr.extensions;
    auto sa = make_u16_list(ExtensionType::SignatureAlgorithms, cr.signature_algorithms);
    if (!sa) return fail(sa.error());
    ext.insert(ext.begin(), std::move(*sa));
    w.bytes(build_extension_block(ext));
    if (!w.ok()) return fail(Error::InternalError);
    return finish(HandshakeType::CertificateRequest, body);
}

Result<Certificate13> parse_certificate13(core::ByteView body) {
    core::Reader r(body);
    auto ctx = r.prefixed8();
    if (!ctx) return fail(Error::Truncated);
    Certificate13 c;
    auto cv = ctx->take_rest();
    c.context.assign(cv.begin(), cv.end());
    auto list = r.prefixed24();
    if (!list) return fail(Error::Truncated);
    if (!r.empty()) return fail(Error::TrailingBytes);
    while (!list->empty()) {
        auto data = list->prefixed24();
        if (!data) return fail(Error::Truncated);
        if (data->empty()) return fail(Error::BadVectorLength);  // cert_data<1..2^24-1>
        auto ext = list->prefixed16();
        if (!ext) return fail(Error::Truncated);
        auto d = data->take_rest();
        c.certificates.emplace_back(d.begin(), d.end());
    }
    return c;
}

Result<core::Bytes> build_certificate13(const Certificate13& c) {
    core::Bytes body;
    core::Writer w(body);
    auto ctx = w.open_length(1);
    w.bytes(c.context);
    w.close_length(ctx);
    auto list = w.open_length(3);
    for (const auto& der : c.certificates) {
        auto one = w.open_length(3);
        w.bytes(der);
        w.close_length(one);
        w.u16(0);  // no per-certificate extensions
    }
    w.close_length(list);
    if (!w.ok()) return fail(Error::HandshakeTooLarge);
    return finish(HandshakeType::Certificate, body);
}

Result<CertificateVerify13> parse_certificate_verify13(core::ByteView body) {
    core::Reader r(body);
    auto scheme = r.u16();
    if (!scheme) return fail(Error::Truncated);
    auto sig = r.prefixed16();
    if (!sig) return fail(Error::Truncated);
    if (!r.empty()) return fail(Error::TrailingBytes);
    auto s = sig->take_rest();
    return CertificateVerify13{*scheme, core::Bytes(s.begin(), s.end())};
}

Result<core::Bytes> build_certificate_verify13(const CertificateVerify13& cv) {
    core::Bytes body;
    core::Writer w(body);
    w.u16(cv.scheme);
    auto s = w.open_length(2);
    w.bytes(cv.signature);
    w.close_length(s);
    if (!w.ok()) return fail(Error::InternalError);
    return finish(HandshakeType::CertificateVerify, body);
}

core::Bytes certificate_verify_content(bool server, core::ByteView transcript_hash) {
    constexpr std::string_view kServer = "TLS 1.3, server CertificateVerify";
    constexpr std::string_view kClient = "TLS 1.3, client CertificateVerify";
    const std::string_view label = server ? kServer : kClient;
    core::Bytes out;
    core::Writer w(out);
    for (int i = 0; i < 64; ++i) w.u8(0x20);  // RFC 8446 §4.4.3: 64 octets of 0x20
    w.bytes(core::ByteView(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()));
    w.u8(0);
    w.bytes(transcript_hash);
    return out;
}

Result<core::Bytes> build_finished(core::ByteView verify_data) {
    return build_handshake(HandshakeType::Finished, verify_data);
}

Result<NewSessionTicket13> parse_new_session_ticket13(core::ByteView body) {
    core::Reader r(body);
    NewSessionTicket13 t;
    auto lifetime = r.u32();
    auto age_add = r.u32();
    if (!lifetime || !age_add) return fail(Error::Truncated);
    t.lifetime = *lifetime;
    t.age_add = *age_add;
    // RFC 8446 §4.6.1: servers MUST NOT use any value greater than 604800 seconds.
    if (t.lifetime > kMaxTicketLifetime) return fail(Error::IllegalParameter);
    auto nonce = r.prefixed8();
    if (!nonce) return fail(Error::Truncated);
    auto n = nonce->take_rest();
    t.nonce.assign(n.begin(), n.end());
    auto ticket = r.prefixed16();
    if (!ticket) return fail(Error::Truncated);
    if (ticket->empty()) return fail(Error::BadVectorLength);
    auto tk = ticket->take_rest();
    t.ticket.assign(tk.begin(), tk.end());
    auto ext = parse_extension_block(r.take_rest());
    if (!ext) return fail(ext.error());
    t.extensions = std::move(*ext);
    return t;
}

Result<core::Bytes> build_new_session_ticket13(const NewSessionTicket13& t) {
    core::Bytes body;
    core::Writer w(body);
    w.u32(t.lifetime);
    w.u32(t.age_add);
    auto n = w.open_length(1);
    w.bytes(t.nonce);
    w.close_length(n);
    auto tk = w.open_length(2);
    w.bytes(t.ticket);
    w.close_length(tk);
    w.bytes(build_extension_block(t.extensions));
    if (!w.ok()) return fail(Error::InternalError);
    return finish(HandshakeType::NewSessionTicket, body);
}

Result<KeyUpdateRequest> parse_key_update(core::ByteView body) {
    core::Reader r(body);
    auto v = r.u8();
    if (!v) return fail(Error::Truncated);
    if (!r.empty()) return fail(Error::TrailingBytes);
    // RFC 8446 §4.6.3: any other value is illegal_parameter.
    if (*v > 1) return fail(Error::IllegalParameter);
    return static_cast<KeyUpdateRequest>(*v);
}

Result<core::Bytes> build_key_update(KeyUpdateRequest req) {
    const auto v = static_cast<std::uint8_t>(req);
    return build_handshake(HandshakeType::KeyUpdate, core::ByteView(&v, 1));
}

}  // namespace strata::tls
