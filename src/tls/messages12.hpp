// messages12.hpp: codecs of the handshake messages after the hellos.
//
// Each message is a value type with a parse_* / build_* pair over its body
// (the bytes after the 4-byte handshake header, see build_handshake). Parsers
// read only through core::Reader and fail with the tls::Error whose alert the
// RFCs ask for: Truncated / TrailingBytes / BadVectorLength (decode_error) for
// framing, IllegalParameter for a value the RFC forbids, DuplicateExtension
// and MissingExtension for extension blocks. Builders write through
// core::Writer and fail with BadVectorLength when a field does not fit its
// vector, InternalError when a struct holds what its version cannot carry.
//
// Messages covered (TLS 1.2: RFC 5246 §7.4, RFC 8422 §5, RFC 5077 §3.3):
//   Certificate, ServerKeyExchange (ECDHE), CertificateRequest,
//   ServerHelloDone, ClientKeyExchange (RSA and ECDHE), CertificateVerify,
//   Finished (verify_data of either version), NewSessionTicket. The TLS 1.3
//   messages after the hellos are in messages13.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "tls/alert.hpp"
#include "tls/handshake.hpp"
#include "tls/version.hpp"

namespace strata::tls {

// ---- Certificate (RFC 5246 §7.4.2) ----

// Certificate12 is the TLS 1.2 Certificate message (the TLS 1.3 one, with
// its request context and per-entry extensions, is Certificate13 in
// messages13.hpp). The sender's own certificate comes first.
struct Certificate12 {
    std::vector<core::Bytes> certificates;  // ASN.1Cert <1..2^24-1> each, list <0..2^24-1>

    friend bool operator==(const Certificate12&, const Certificate12&) = default;
};

// parse_certificate12 decodes a Certificate body. Fails with framing errors
// (an empty certificate is BadVectorLength). An empty list is valid on the
// wire (a client without a certificate, RFC 5246 §7.4.6); the caller decides
// whether it is acceptable.
Result<Certificate12> parse_certificate12(core::ByteView body);
// build_certificate12 encodes c (BadVectorLength for an empty certificate).
Result<core::Bytes> build_certificate12(const Certificate12& c);

// ---- ServerKeyExchange for ECDHE (RFC 8422 §5.4, RFC 5246 §7.4.3) ----

// kCurveTypeNamedCurve is ECCurveType named_curve (RFC 8422 §5.4); the only
// curve type RFC 8422 leaves (explicit curves are deprecated).
inline constexpr std::uint8_t kCurveTypeNamedCurve = 3;

// ServerKeyExchangeEcdhe is a ServerKeyExchange for ECDHE_RSA / ECDHE_ECDSA:
//   ServerECDHParams { ECParameters { curve_type = named_curve; NamedCurve };
//                      ECPoint public <1..2^8-1> }
//   digitally-signed { SignatureAndHashAlgorithm; opaque signature<0..2^16-1> }
struct ServerKeyExchangeEcdhe {
    std::uint16_t group = 0;             // NamedGroup (RFC 8422 §5.1.1)
    core::Bytes public_key;              // ECPoint (X25519: 32 bytes; P-256: 04|x|y)
    std::uint16_t signature_scheme = 0;  // SignatureAndHashAlgorithm as one uint16
    core::Bytes signature;

    friend bool operator==(const ServerKeyExchangeEcdhe&, const ServerKeyExchangeEcdhe&) = default;
};

// parse_server_key_exchange_ecdhe decodes the body. Fails with framing
// errors, IllegalParameter if curve_type is not named_curve (RFC 8422 §5.4).
Result<ServerKeyExchangeEcdhe> parse_server_key_exchange_ecdhe(core::ByteView body);
// build_server_key_exchange_ecdhe encodes ske.
Result<core::Bytes> build_server_key_exchange_ecdhe(const ServerKeyExchangeEcdhe& ske);
// ecdhe_params returns the encoded ServerECDHParams of ske: curve_type |
// named_curve | public (what the signature covers after the randoms).
Result<core::Bytes> ecdhe_params(const ServerKeyExchangeEcdhe& ske);
// server_key_exchange_signed_data returns ClientHello.random |
// ServerHello.random | ServerECDHParams, the bytes the server signs
// (RFC 8422 §5.4, RFC 5246 §7.4.3).
Result<core::Bytes> server_key_exchange_signed_data(const Random& client_random, const Random& server_random,
                                                    const ServerKeyExchangeEcdhe& ske);

// ---- CertificateRequest (RFC 5246 §7.4.4, RFC 8446 §4.3.2) ----

// ClientCertificateType values of RFC 5246 §7.4.4 and RFC 8422 §5.5.
inline constexpr std::uint8_t kCertTypeRsaSign = 1;
inline constexpr std::uint8_t kCertTypeEcdsaSign = 64;

// CertificateRequest12 is the TLS 1.2 CertificateRequest.
struct CertificateRequest12 {
    core::Bytes certificate_types;                     // <1..2^8-1>
    std::vector<std::uint16_t> signature_algorithms;   // <2..2^16-2>
    std::vector<core::Bytes> certificate_authorities;  // DistinguishedName <1..2^16-1> each

    friend bool operator==(const CertificateRequest12&, const CertificateRequest12&) = default;
};

// parse_certificate_request12 decodes the body; framing errors only.
Result<CertificateRequest12> parse_certificate_request12(core::ByteView body);
// build_certificate_request12 encodes cr.
Result<core::Bytes> build_certificate_request12(const CertificateRequest12& cr);

// ---- ServerHelloDone (RFC 5246 §7.4.5) ----

// parse_server_hello_done checks that the body is empty (TrailingBytes if not).
Status parse_server_hello_done(core::ByteView body);
// build_server_hello_done returns the empty body.
core::Bytes build_server_hello_done();

// ---- ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7) ----

// ClientKeyExchangeRsa carries EncryptedPreMasterSecret with its two-byte
// length (RFC 5246 §7.4.7.1: TLS 1.0 and later prefix it).
struct ClientKeyExchangeRsa {
    core::Bytes encrypted_pre_master_secret;  // <0..2^16-1>

    friend bool operator==(const ClientKeyExchangeRsa&, const ClientKeyExchangeRsa&) = default;
};
// parse_client_key_exchange_rsa decodes the body; framing errors only (a
// ciphertext of the wrong size is left to the Bleichenbacher-safe decryption,
// which must not fail differently, RFC 5246 §7.4.7.1).
Result<ClientKeyExchangeRsa> parse_client_key_exchange_rsa(core::ByteView body);
// build_client_key_exchange_rsa encodes cke.
Result<core::Bytes> build_client_key_exchange_rsa(const ClientKeyExchangeRsa& cke);

// ClientKeyExchangeEcdhe carries the client's ephemeral ECPoint (RFC 8422
// §5.7, ClientECDiffieHellmanPublic with an explicit public value).
struct ClientKeyExchangeEcdhe {
    core::Bytes public_key;  // ECPoint <1..2^8-1>

    friend bool operator==(const ClientKeyExchangeEcdhe&, const ClientKeyExchangeEcdhe&) = default;
};
// parse_client_key_exchange_ecdhe decodes the body; an empty point is
// BadVectorLength (RFC 8422 §5.7: the implicit form is not used with ECDHE).
Result<ClientKeyExchangeEcdhe> parse_client_key_exchange_ecdhe(core::ByteView body);
// build_client_key_exchange_ecdhe encodes cke.
Result<core::Bytes> build_client_key_exchange_ecdhe(const ClientKeyExchangeEcdhe& cke);

// ---- CertificateVerify (RFC 5246 §7.4.8) ----

// CertificateVerify12 is the TLS 1.2 CertificateVerify, a digitally-signed
// struct (RFC 5246 §4.7): SignatureAndHashAlgorithm (one uint16, the same
// numbers as TLS 1.3 SignatureSchemes) and the signature over all handshake
// messages so far. (The TLS 1.3 message and its signed content are in
// messages13.hpp.)
struct CertificateVerify12 {
    std::uint16_t signature_scheme = 0;
    core::Bytes signature;  // <0..2^16-1>

    friend bool operator==(const CertificateVerify12&, const CertificateVerify12&) = default;
};
// parse_certificate_verify12 decodes the body; framing errors only.
Result<CertificateVerify12> parse_certificate_verify12(core::ByteView body);
// build_certificate_verify12 encodes cv.
Result<core::Bytes> build_certificate_verify12(const CertificateVerify12& cv);

// ---- Finished (RFC 5246 §7.4.9, RFC 8446 §4.4.4) ----

// kTls12VerifyDataLength is the TLS 1.2 verify_data length (RFC 5246 §7.4.9).
inline constexpr std::size_t kTls12VerifyDataLength = 12;

// parse_finished returns the verify_data of a Finished body, which must be
// exactly verify_data_length bytes (12 in TLS 1.2, HashLen in TLS 1.3):
// Truncated if shorter, TrailingBytes if longer (decode_error). The value is
// then checked in constant time by check_finished12 / check_finished.
Result<core::Bytes> parse_finished(core::ByteView body, std::size_t verify_data_length);

// ---- NewSessionTicket (RFC 5077 §3.3, RFC 8446 §4.6.1) ----

// NewSessionTicket12 is the TLS 1.2 NewSessionTicket of RFC 5077 §3.3.
struct NewSessionTicket12 {
    std::uint32_t ticket_lifetime_hint = 0;  // seconds; 0 = unspecified
    core::Bytes ticket;                      // <0..2^16-1>

    friend bool operator==(const NewSessionTicket12&, const NewSessionTicket12&) = default;
};
// parse_new_session_ticket12 decodes the body; framing errors only.
Result<NewSessionTicket12> parse_new_session_ticket12(core::ByteView body);
// build_new_session_ticket12 encodes t.
Result<core::Bytes> build_new_session_ticket12(const NewSessionTicket12& t);

}  // namespace strata::tls
