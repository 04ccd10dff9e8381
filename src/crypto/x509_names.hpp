// x509_names.hpp: certificate names as IKE identities use them.
//
// IKEv2 ID_DER_ASN1_DN carries a DER Name (RFC 7296 §3.5, RFC 4945 §3.1.5);
// ID_RFC822_ADDR must appear as an rfc822Name subjectAltName (RFC 4945
// §3.1.3). These helpers convert Names between text and DER and check
// e-mail addresses; host names and addresses are in x509.hpp.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/x509.hpp"

namespace strata::crypto {

// subject_der returns the DER encoding of cert's subject Name.
core::Result<core::Bytes> subject_der(const Certificate& cert);

// dn_from_text builds a DER Name from "O=Org, CN=host" or "O=Org/CN=host"
// (attributes in the order written, separated by ',' or '/'; a leading '/'
// is allowed; values may not contain separators). DecodeFailed for an
// unknown attribute name or an empty value.
core::Result<core::Bytes> dn_from_text(std::string_view text);

// dn_to_text prints a DER Name in RFC 2253 form ("CN=host,O=Org"); empty if
// der is not a Name.
std::string dn_to_text(core::ByteView der);

// same_dn is true if both DER Names parse and compare equal (libcrypto's
// canonical comparison, RFC 5280 §7.1).
bool same_dn(core::ByteView a, core::ByteView b);

// check_email is ok if cert has an rfc822Name subjectAltName equal to email
// (RFC 5280 §4.2.1.6); else NameMismatch.
core::Status check_email(const Certificate& cert, std::string_view email);

}  // namespace strata::crypto
