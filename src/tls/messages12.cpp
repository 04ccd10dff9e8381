// messages12.cpp: codecs of the handshake messages after the hellos.
#include "tls/messages12.hpp"

#include <utility>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "tls/wire.hpp"

namespace strata::tls {

namespace {

using wire::done;
using wire::finish;
using wire::lift;
using wire::to_bytes;
using wire::u16_list;
using wire::vec;
using wire::write_vec;

bool in_range(std::size_t n, std::size_t min, std::size_t max) noexcept { return n >= min && n <= max; }

}  // namespace

// ---- Certificate ----

Result<Certificate12> parse_certificate12(core::ByteView body) {
    core::Reader r(body);
    Certificate12 c;
    auto list = vec(r, 3, 0, 0xffffff);  // RFC 5246 §7.4.2: certificate_list<0..2^24-1>
    if (!list) return fail(list.error());
    while (!list->empty()) {
        auto der = vec(*list, 3, 1, 0xffffff);  // opaque ASN.1Cert<1..2^24-1>
        if (!der) return fail(der.error());
        c.certificates.push_back(to_bytes(der->rest()));
    }
    if (auto s = done(r); !s) return fail(s.error());
    return c;
}

Result<core::Bytes> build_certificate12(const Certificate12& c) {
    core::Bytes out;
    core::Writer w(out);
    const auto list = w.open_length(3);
    for (const core::Bytes& der : c.certificates) {
        if (der.empty()) return fail(Error::BadVectorLength);
        write_vec(w, 3, der);
    }
    w.close_length(list);
    return finish(w, std::move(out));
}

// ---- ServerKeyExchange (ECDHE) ----

Result<ServerKeyExchangeEcdhe> parse_server_key_exchange_ecdhe(core::ByteView body) {
    core::Reader r(body);
    ServerKeyExchangeEcdhe ske;
    auto curve_type = lift(r.u8());
    if (!curve_type) return fail(curve_type.error());
    // RFC 8422 §5.4: explicit_prime and explicit_char2 are deprecated; only
    // named_curve is left.
    if (*curve_type != kCurveTypeNamedCurve) return fail(Error::IllegalParameter);
    auto group = lift(r.u16());
    if (!group) return fail(group.error());
    ske.group = *group;
    auto point = vec(r, 1, 1, 0xff);  // ECPoint: opaque point <1..2^8-1>
    if (!point) return fail(point.error());
    ske.public_key = to_bytes(point->rest());
    auto scheme = lift(r.u16());  // RFC 5246 §7.4.1.4.1 SignatureAndHashAlgorithm
    if (!scheme) return fail(scheme.error());
    ske.signature_scheme = *scheme;
    auto sig = vec(r, 2, 0, 0xffff);  // digitally-signed: opaque signature<0..2^16-1>
    if (!sig) return fail(sig.error());
    ske.signature = to_bytes(sig->rest());
    if (auto s = done(r); !s) return fail(s.error());
    return ske;
}

Result<core::Bytes> ecdhe_params(const ServerKeyExchangeEcdhe& ske) {
    if (ske.public_key.empty()) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    w.u8(kCurveTypeNamedCurve);
    w.u16(ske.group);
    write_vec(w, 1, ske.public_key);
    return finish(w, std::move(out));
}

Result<core::Bytes> build_server_key_exchange_ecdhe(const ServerKeyExchangeEcdhe& ske) {
    auto params = ecdhe_params(ske);
    if (!params) return fail(params.error());
    core::Bytes out = std::move(params).value();
    core::Writer w(out);
    w.u16(ske.signature_scheme);
    write_vec(w, 2, ske.signature);
    return finish(w, std::move(out));
}

Result<core::Bytes> server_key_exchange_signed_data(const Random& client_random, const Random& server_random,
                                                    const ServerKeyExchangeEcdhe& ske) {
    auto params = ecdhe_params(ske);
    if (!params) return fail(params.error());
    // RFC 8422 §5.4: signed_params = SHA(ClientHello.random + ServerHello.random + ServerECDHParams)
    return core::concat({client_random, server_random, *params});
}

// ---- CertificateRequest ----

Result<CertificateRequest12> parse_certificate_request12(core::ByteView body) {
    core::Reader r(body);
    CertificateRequest12 cr;
    auto types = vec(r, 1, 1, 0xff);  // RFC 5246 §7.4.4: certificate_types<1..2^8-1>
    if (!types) return fail(types.error());
    cr.certificate_types = to_bytes(types->rest());
    // supported_signature_algorithms<2..2^16-2>
    auto algs = u16_list(r, 2, 2, 0xfffe);
    if (!algs) return fail(algs.error());
    cr.signature_algorithms = std::move(algs).value();
    auto cas = vec(r, 2, 0, 0xffff);  // DistinguishedName certificate_authorities<0..2^16-1>
    if (!cas) return fail(cas.error());
    while (!cas->empty()) {
        auto dn = vec(*cas, 2, 1, 0xffff);  // opaque DistinguishedName<1..2^16-1>
        if (!dn) return fail(dn.error());
        cr.certificate_authorities.push_back(to_bytes(dn->rest()));
    }
    if (auto s = done(r); !s) return fail(s.error());
    return cr;
}

Result<core::Bytes> build_certificate_request12(const CertificateRequest12& cr) {
    if (!in_range(cr.certificate_types.size(), 1, 0xff) ||
        !in_range(cr.signature_algorithms.size(), 1, 0x7fff)) {
        return fail(Error::BadVectorLength);
    }
    core::Bytes out;
    core::Writer w(out);
    write_vec(w, 1, cr.certificate_types);
    const auto algs = w.open_length(2);
    for (std::uint16_t a : cr.signature_algorithms) w.u16(a);
    w.close_length(algs);
    const auto cas = w.open_length(2);
    for (const core::Bytes& dn : cr.certificate_authorities) {
        if (dn.empty()) return fail(Error::BadVectorLength);
        write_vec(w, 2, dn);
    }
    w.close_length(cas);
    return finish(w, std::move(out));
}

// ---- ServerHelloDone ----

Status parse_server_hello_done(core::ByteView body) {
    // RFC 5246 §7.4.5: struct { } ServerHelloDone;
    if (!body.empty()) return fail(Error::TrailingBytes);
    return {};
}

core::Bytes build_server_hello_done() { return {}; }

// ---- ClientKeyExchange ----

Result<ClientKeyExchangeRsa> parse_client_key_exchange_rsa(core::ByteView body) {
    core::Reader r(body);
    auto ct = vec(r, 2, 0, 0xffff);  // RFC 5246 §7.4.7.1: public-key-encrypted PreMasterSecret
    if (!ct) return fail(ct.error());
    if (auto s = done(r); !s) return fail(s.error());
    return ClientKeyExchangeRsa{to_bytes(ct->rest())};
}

Result<core::Bytes> build_client_key_exchange_rsa(const ClientKeyExchangeRsa& cke) {
    core::Bytes out;
    core::Writer w(out);
    write_vec(w, 2, cke.encrypted_pre_master_secret);
    return finish(w, std::move(out));
}

Result<ClientKeyExchangeEcdhe> parse_client_key_exchange_ecdhe(core::ByteView body) {
    core::Reader r(body);
    auto point = vec(r, 1, 1, 0xff);  // RFC 8422 §5.7: ECPoint ecdh_Yc, opaque point <1..2^8-1>
    if (!point) return fail(point.error());
    if (auto s = done(r); !s) return fail(s.error());
    return ClientKeyExchangeEcdhe{to_bytes(point->rest())};
}

Result<core::Bytes> build_client_key_exchange_ecdhe(const ClientKeyExchangeEcdhe& cke) {
    if (cke.public_key.empty()) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    write_vec(w, 1, cke.public_key);
    return finish(w, std::move(out));
}

// ---- CertificateVerify ----

Result<CertificateVerify12> parse_certificate_verify12(core::ByteView body) {
    core::Reader r(body);
    CertificateVerify12 cv;
    auto scheme = lift(r.u16());  // RFC 5246 §4.7: SignatureAndHashAlgorithm algorithm
    if (!scheme) return fail(scheme.error());
    cv.signature_scheme = *scheme;
    auto sig = vec(r, 2, 0, 0xffff);  // opaque signature<0..2^16-1>
    if (!sig) return fail(sig.error());
    cv.signature = to_bytes(sig->rest());
    if (auto s = done(r); !s) return fail(s.error());
    return cv;
}

Result<core::Bytes> build_certificate_verify12(const CertificateVerify12& cv) {
    core::Bytes out;
    core::Writer w(out);
    w.u16(cv.signature_scheme);
    write_vec(w, 2, cv.signature);
    return finish(w, std::move(out));
}

// ---- Finished ----

Result<core::Bytes> parse_finished(core::ByteView body, std::size_t verify_data_length) {
    core::Reader r(body);
    auto data = lift(r.bytes(verify_data_length));
    if (!data) return fail(data.error());
    if (auto s = done(r); !s) return fail(s.error());
    return to_bytes(*data);
}

// ---- NewSessionTicket ----

Result<NewSessionTicket12> parse_new_session_ticket12(core::ByteView body) {
    core::Reader r(body);
    NewSessionTicket12 t;
    auto hint = lift(r.u32());  // RFC 5077 §3.3: uint32 ticket_lifetime_hint
    if (!hint) return fail(hint.error());
    t.ticket_lifetime_hint = *hint;
    auto ticket = vec(r, 2, 0, 0xffff);  // opaque ticket<0..2^16-1>
    if (!ticket) return fail(ticket.error());
    t.ticket = to_bytes(ticket->rest());
    if (auto s = done(r); !s) return fail(s.error());
    return t;
}

Result<core::Bytes> build_new_session_ticket12(const NewSessionTicket12& t) {
    core::Bytes out;
    core::Writer w(out);
    w.u32(t.ticket_lifetime_hint);
    write_vec(w, 2, t.ticket);
    return finish(w, std::move(out));
}

}  // namespace strata::tls
