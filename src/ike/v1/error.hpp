// error.hpp: why the IKEv1 engine refused a message, and which notification
// (RFC 2408 §3.14.1) says so to the peer.
#pragma once

#include <cstdint>
#include <string_view>

#include "ike/v1/constants.hpp"

namespace strata::ike::v1 {

// Error is one reason a datagram or an exchange failed. Each maps to the
// Notify Message Type RFC 2408 §5 asks for (notify_for).
enum class Error : std::uint8_t {
    Truncated = 1,            // a field ran past its payload or the datagram
    BadLength,                // header or payload length disagrees with the bytes
    InvalidMajorVersion,      // RFC 2408 §5.1
    InvalidMinorVersion,      // RFC 2408 §5.1
    InvalidFlags,             // undefined header flag bits set
    InvalidExchangeType,      // an exchange type the engine does not know
    UnsupportedExchangeType,  // aggressive mode and the others refused on purpose
    InvalidPayloadType,       // an undefined payload type in the chain
    TooManyPayloads,          // the chain is longer than any exchange needs
    DoiNotSupported,          // SA or N or D with a DOI other than IPsec
    SituationNotSupported,    // SA with a situation other than SIT_IDENTITY_ONLY
    BadProposalSyntax,        // transform count, numbering or nesting wrong
    InvalidProtocolId,        // a protocol the exchange cannot carry
    InvalidSpi,               // SPI of the wrong size or zero
    InvalidCookie,            // cookies that name no SA or fail verification
    InvalidMessageId,         // a phase 2 message ID that is zero or unknown
    NoProposalChosen,         // nothing offered is acceptable
    AttributesNotSupported,   // an attribute the engine does not understand
    InvalidKeyInformation,    // a KE value of the wrong length or out of range
    InvalidIdInformation,     // an ID payload that does not parse or does not match
    InvalidHashInformation,   // a HASH payload of the wrong length
    AuthenticationFailed,     // HASH_I / HASH_R / HASH(n) mismatch
    PayloadMalformed,         // a required payload missing or one out of place
    DecryptionFailed,         // encrypted body not a multiple of the block size
    NoKeys,                   // an encrypted message before keys exist
    Internal,                 // libcrypto failed
};

// to_string returns the error's name ("AuthenticationFailed").
std::string_view to_string(Error e) noexcept;

// notify_for returns the notification that tells the peer about e.
NotifyType notify_for(Error e) noexcept;

}  // namespace strata::ike::v1
