// constants.hpp: IKEv2 numbers (RFC 7296 §3, IANA "IKEv2 Parameters").
#pragma once

#include <cstdint>
#include <string>

namespace strata::ike::v2 {

// PayloadType is the Next Payload value (RFC 7296 §3.2); other values may
// arrive and are kept as they are.
enum class PayloadType : std::uint8_t {
    None = 0,
    SA = 33,
    KE = 34,
    IDi = 35,
    IDr = 36,
    CERT = 37,
    CERTREQ = 38,
    AUTH = 39,
    Nonce = 40,
    Notify = 41,
    Delete = 42,
    Vendor = 43,
    TSi = 44,
    TSr = 45,
    SK = 46,
    CP = 47,
    EAP = 48,
    SKF = 53,  // RFC 7383
};

// ExchangeType is the header's Exchange Type (RFC 7296 §3.1).
enum class ExchangeType : std::uint8_t {
    IkeSaInit = 34,
    IkeAuth = 35,
    CreateChildSa = 36,
    Informational = 37,
};

// Header flags (RFC 7296 §3.1).
inline constexpr std::uint8_t kFlagInitiator = 0x08;
inline constexpr std::uint8_t kFlagVersion = 0x10;
inline constexpr std::uint8_t kFlagResponse = 0x20;
// kVersion is major 2, minor 0.
inline constexpr std::uint8_t kVersion = 0x20;
// kHeaderLength is the fixed IKE header size.
inline constexpr std::size_t kHeaderLength = 28;

// TransformType numbers (RFC 7296 §3.3.2).
enum class TransformType : std::uint8_t { Encryption = 1, Prf = 2, Integrity = 3, Dh = 4, Esn = 5 };
// kAttrKeyLength is the Key Length transform attribute (TV form, RFC 7296 §3.3.5).
inline constexpr std::uint16_t kAttrKeyLength = 14;

// ProtocolId in proposals, notifies and deletes (RFC 7296 §3.3.1).
enum class ProtocolId : std::uint8_t { None = 0, Ike = 1, Ah = 2, Esp = 3 };

// AuthMethod (RFC 7296 §3.8, RFC 7427 §3).
enum class AuthMethod : std::uint8_t { RsaSig = 1, Psk = 2, DssSig = 3, DigitalSignature = 14 };

// NotifyType: error types (< 16384) and status types (RFC 7296 §3.10.1).
enum class NotifyType : std::uint16_t {
    UnsupportedCriticalPayload = 1,
    InvalidIkeSpi = 4,
    InvalidMajorVersion = 5,
    InvalidSyntax = 7,
    InvalidMessageId = 9,
    InvalidSpi = 11,
    NoProposalChosen = 14,
    InvalidKePayload = 17,
    AuthenticationFailed = 24,
    SinglePairRequired = 34,
    NoAdditionalSas = 35,
    InternalAddressFailure = 36,
    FailedCpRequired = 37,
    TsUnacceptable = 38,
    InvalidSelectors = 39,
    TemporaryFailure = 43,
    ChildSaNotFound = 44,
    InitialContact = 16384,
    SetWindowSize = 16385,
    AdditionalTsPossible = 16386,
    IpcompSupported = 16387,
    NatDetectionSourceIp = 16388,
    NatDetectionDestinationIp = 16389,
    Cookie = 16390,
    UseTransportMode = 16391,
    HttpCertLookupSupported = 16392,
    RekeySa = 16393,
    EspTfcPaddingNotSupported = 16394,
    NonFirstFragmentsAlso = 16395,
    MobikeSupported = 16396,
    Ikev2FragmentationSupported = 16430,  // RFC 7383
    SignatureHashAlgorithms = 16431,      // RFC 7427
};

// to_string returns "NO_PROPOSAL_CHOSEN", ... or "NOTIFY(<n>)".
std::string to_string(NotifyType t);
// to_string returns "IKE_SA_INIT", ... or "EXCHANGE(<n>)".
std::string to_string(ExchangeType t);

// is_error is true for error notify types (RFC 7296 §3.10.1: below 16384).
constexpr bool is_error(NotifyType t) noexcept { return static_cast<std::uint16_t>(t) < 16384; }

}  // namespace strata::ike::v2
