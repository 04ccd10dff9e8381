// constants.hpp: the numbers of ISAKMP (RFC 2408), the IPsec DOI (RFC 2407)
// and IKE (RFC 2409) that the IKEv1 engine puts on the wire.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::ike::v1 {

// kHeaderLength is the size of the ISAKMP header (RFC 2408 §3.1).
inline constexpr std::size_t kHeaderLength = 28;
// kGenericHeaderLength is the size of the generic payload header (RFC 2408 §3.2).
inline constexpr std::size_t kGenericHeaderLength = 4;
// kCookieLength is the size of each cookie (RFC 2408 §3.1).
inline constexpr std::size_t kCookieLength = 8;
// kVersion is MjVer 1, MnVer 0 (RFC 2408 §3.1).
inline constexpr std::uint8_t kVersion = 0x10;
// kMaxMessageLength bounds what the engine accepts and builds.
inline constexpr std::size_t kMaxMessageLength = 65535 - 8;

// PayloadType is the Next Payload value (RFC 2408 §3.1; RFC 3947 §3 for NAT-D/NAT-OA).
enum class PayloadType : std::uint8_t {
    None = 0,
    Sa = 1,
    Proposal = 2,
    Transform = 3,
    KeyExchange = 4,
    Identification = 5,
    Certificate = 6,
    CertificateRequest = 7,
    Hash = 8,
    Signature = 9,
    Nonce = 10,
    Notification = 11,
    Delete = 12,
    VendorId = 13,
    NatD = 20,
    NatOa = 21,
};

// ExchangeType is the header's Exchange Type (RFC 2408 §3.1, RFC 2409 §9 "Quick Mode" = 32).
enum class ExchangeType : std::uint8_t {
    Base = 1,
    IdentityProtection = 2,  // main mode
    AuthenticationOnly = 3,
    Aggressive = 4,
    Informational = 5,
    QuickMode = 32,
    NewGroupMode = 33,
};

// Header flags (RFC 2408 §3.1).
inline constexpr std::uint8_t kFlagEncryption = 0x01;
inline constexpr std::uint8_t kFlagCommit = 0x02;
inline constexpr std::uint8_t kFlagAuthOnly = 0x04;

// Domain of Interpretation: the IPsec DOI (RFC 2407 §4.2).
inline constexpr std::uint32_t kDoiIpsec = 1;
// SIT_IDENTITY_ONLY (RFC 2407 §4.2.1).
inline constexpr std::uint32_t kSituationIdentityOnly = 1;

// ProtocolId is a Protocol-ID of the IPsec DOI (RFC 2407 §4.4.1).
enum class ProtocolId : std::uint8_t { Isakmp = 1, Ah = 2, Esp = 3, IpComp = 4 };

// KEY_IKE, the one phase 1 transform ID (RFC 2407 §4.4.2).
inline constexpr std::uint8_t kTransformKeyIke = 1;

// Phase1Attr is an IKE SA attribute class (RFC 2409 Appendix A).
enum class Phase1Attr : std::uint16_t {
    EncryptionAlgorithm = 1,
    HashAlgorithm = 2,
    AuthenticationMethod = 3,
    GroupDescription = 4,
    GroupType = 5,
    LifeType = 11,
    LifeDuration = 12,
    Prf = 13,
    KeyLength = 14,
};

// Authentication methods (RFC 2409 Appendix A).
inline constexpr std::uint16_t kAuthPreSharedKey = 1;
inline constexpr std::uint16_t kAuthRsaSignature = 3;
// ECDSA methods (RFC 4754 §6): the curve and hash of the signing key.
inline constexpr std::uint16_t kAuthEcdsaP256Sha256 = 9;
inline constexpr std::uint16_t kAuthEcdsaP384Sha384 = 10;
inline constexpr std::uint16_t kAuthEcdsaP521Sha512 = 11;

// Life types, phase 1 (RFC 2409 Appendix A) and phase 2 (RFC 2407 §4.5) alike.
inline constexpr std::uint16_t kLifeSeconds = 1;
inline constexpr std::uint16_t kLifeKilobytes = 2;

// Phase2Attr is an IPsec SA attribute class (RFC 2407 §4.5).
enum class Phase2Attr : std::uint16_t {
    LifeType = 1,
    LifeDuration = 2,
    GroupDescription = 3,
    EncapsulationMode = 4,
    AuthenticationAlgorithm = 5,
    KeyLength = 6,
};

// Encapsulation modes (RFC 2407 §4.5).
inline constexpr std::uint16_t kEncapTunnel = 1;
inline constexpr std::uint16_t kEncapTransport = 2;

// IdType is an identification type of the IPsec DOI (RFC 2407 §4.6.2.1).
enum class IdType : std::uint8_t {
    Ipv4Addr = 1,
    Fqdn = 2,
    UserFqdn = 3,
    Ipv4AddrSubnet = 4,
    Ipv6Addr = 5,
    Ipv6AddrSubnet = 6,
    Ipv4AddrRange = 7,
    Ipv6AddrRange = 8,
    DerAsn1Dn = 9,
    DerAsn1Gn = 10,
    KeyId = 11,
};

// NotifyType is a Notify Message Type (RFC 2408 §3.14.1, RFC 2407 §4.6.3,
// RFC 3706 §5 for DPD).
enum class NotifyType : std::uint16_t {
    InvalidPayloadType = 1,
    DoiNotSupported = 2,
    SituationNotSupported = 3,
    InvalidCookie = 4,
    InvalidMajorVersion = 5,
    InvalidMinorVersion = 6,
    InvalidExchangeType = 7,
    InvalidFlags = 8,
    InvalidMessageId = 9,
    InvalidProtocolId = 10,
    InvalidSpi = 11,
    InvalidTransformId = 12,
    AttributesNotSupported = 13,
    NoProposalChosen = 14,
    BadProposalSyntax = 15,
    PayloadMalformed = 16,
    InvalidKeyInformation = 17,
    InvalidIdInformation = 18,
    InvalidCertEncoding = 19,
    InvalidCertificate = 20,
    CertTypeUnsupported = 21,
    InvalidCertAuthority = 22,
    InvalidHashInformation = 23,
    AuthenticationFailed = 24,
    InvalidSignature = 25,
    AddressNotification = 26,
    NotifySaLifetime = 27,
    CertificateUnavailable = 28,
    UnsupportedExchangeType = 29,
    UnequalPayloadLengths = 30,
    Connected = 16384,
    ResponderLifetime = 24576,
    ReplayStatus = 24577,
    InitialContact = 24578,
    RUThere = 36136,
    RUThereAck = 36137,
};

// kDpdVendorId is the vendor ID announcing RFC 3706 support (§4.1).
inline constexpr std::uint8_t kDpdVendorId[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                                  0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};

// to_string returns a printable name ("IdentityProtection", "NO-PROPOSAL-CHOSEN").
std::string_view to_string(ExchangeType t) noexcept;
std::string_view to_string(PayloadType t) noexcept;
std::string_view to_string(NotifyType t) noexcept;

}  // namespace strata::ike::v1
