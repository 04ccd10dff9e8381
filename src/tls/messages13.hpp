// messages13.hpp: the TLS 1.3 handshake messages after the hellos
// (RFC 8446 §4.3-4.6): EncryptedExtensions, CertificateRequest, Certificate,
// CertificateVerify, Finished, NewSessionTicket, KeyUpdate.
//
// Each parse_* reads a message body (no handshake header) through
// core::Reader and fails with the framing error of the field that is wrong;
// each build_* returns the whole encoded message (header included), ready for
// the transcript and the record layer.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "tls/alert.hpp"
#include "tls/handshake.hpp"

namespace strata::tls {

// parse_extension_block decodes extensions<lo..2^16-1> (the whole of r's
// remaining bytes must be that block). Fails with framing errors or
// DuplicateExtension (RFC 8446 §4.2).
Result<std::vector<Extension>> parse_extension_block(core::ByteView body, std::size_t min_length = 0);

// build_extension_block encodes extensions<0..2^16-1>.
core::Bytes build_extension_block(const std::vector<Extension>& extensions);

// EncryptedExtensions (RFC 8446 §4.3.1): extensions<0..2^16-1>.
struct EncryptedExtensions {
    std::vector<Extension> extensions;
};
Result<EncryptedExtensions> parse_encrypted_extensions(core::ByteView body);
Result<core::Bytes> build_encrypted_extensions(const EncryptedExtensions& ee);

// CertificateRequest (RFC 8446 §4.3.2): certificate_request_context<0..255>,
// extensions<2..2^16-1>; signature_algorithms is required (missing_extension).
struct CertificateRequest13 {
    core::Bytes context;
    std::vector<std::uint16_t> signature_algorithms;
    std::vector<Extension> extensions;  // as received / to send besides signature_algorithms
};
Result<CertificateRequest13> parse_certificate_request13(core::ByteView body);
Result<core::Bytes> build_certificate_request13(const CertificateRequest13& cr);

// Certificate (RFC 8446 §4.4.2): certificate_request_context<0..255>,
// CertificateEntry certificate_list<0..2^24-1>, each entry cert_data<1..2^24-1>
// and extensions<0..2^16-1> (kept raw and ignored: no OCSP/SCT requested).
struct Certificate13 {
    core::Bytes context;
    std::vector<core::Bytes> certificates;  // DER, leaf first
};
Result<Certificate13> parse_certificate13(core::ByteView body);
Result<core::Bytes> build_certificate13(const Certificate13& c);

// CertificateVerify (RFC 8446 §4.4.3): SignatureScheme algorithm,
// signature<0..2^16-1>.
struct CertificateVerify13 {
    std::uint16_t scheme = 0;
    core::Bytes signature;
};
Result<CertificateVerify13> parse_certificate_verify13(core::ByteView body);
Result<core::Bytes> build_certificate_verify13(const CertificateVerify13& cv);

// certificate_verify_content returns what a CertificateVerify signs
// (RFC 8446 §4.4.3): 64 spaces, the context string ("TLS 1.3, server
// CertificateVerify" or "TLS 1.3, client CertificateVerify"), a zero byte,
// then the transcript hash.
core::Bytes certificate_verify_content(bool server, core::ByteView transcript_hash);

// build_finished returns a Finished message carrying verify_data (RFC 8446 §4.4.4).
Result<core::Bytes> build_finished(core::ByteView verify_data);

// NewSessionTicket (RFC 8446 §4.6.1).
struct NewSessionTicket13 {
    std::uint32_t lifetime = 0;  // seconds, at most 604800
    std::uint32_t age_add = 0;
    core::Bytes nonce;   // <0..255>
    core::Bytes ticket;  // <1..2^16-1>
    std::vector<Extension> extensions;
};
// kMaxTicketLifetime is seven days (RFC 8446 §4.6.1); a longer lifetime is illegal_parameter.
inline constexpr std::uint32_t kMaxTicketLifetime = 604800;
Result<NewSessionTicket13> parse_new_session_ticket13(core::ByteView body);
Result<core::Bytes> build_new_session_ticket13(const NewSessionTicket13& t);

// KeyUpdateRequest is KeyUpdate.request_update (RFC 8446 §4.6.3).
enum class KeyUpdateRequest : std::uint8_t { NotRequested = 0, Requested = 1 };
// parse_key_update fails with IllegalParameter on any other value.
Result<KeyUpdateRequest> parse_key_update(core::ByteView body);
Result<core::Bytes> build_key_update(KeyUpdateRequest r);

}  // namespace strata::tls
