// error.hpp: the foundation's error codes (core, crypto, packet).
//
// Every failure a parser or crypto call can report has its own code, so tests
// can assert the exact reason and counters can be kept per reason. Higher
// layers (ipsec, ike, tls) define their own enums and use Result<T, E>.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::core {

// Error is the reason an operation of the core, crypto or packet layer failed.
enum class Error : std::uint16_t {
    // core: bounded reading and writing
    Truncated = 1,   // a read asked for more bytes than remain
    TrailingBytes,   // expect_empty() found bytes left over
    WriterOverflow,  // a fixed-capacity Writer ran out of room
    LengthOverflow,  // a length-prefix scope holds more than its prefix can say
    InvalidHex,      // odd length or a non-hex character
    // crypto: inputs
    UnsupportedAlgorithm,  // no such algorithm (or not in this build of libcrypto)
    InvalidKeyLength,
    InvalidNonceLength,
    InvalidTagLength,
    InvalidInputLength,  // e.g. CBC input not a multiple of the block size
    BufferTooSmall,      // output span shorter than the result
    // crypto: outcomes
    AuthenticationFailed,  // AEAD tag or MAC mismatch (compared in constant time)
    InvalidPublicValue,    // DH/ECDH peer value out of range or not on the curve
    SharedSecretZero,      // X25519 all-zero output (RFC 7748 §6.1)
    SignatureInvalid,
    KeyMismatch,           // key type does not fit the algorithm asked for
    DecodeFailed,          // PEM/DER (certificate, key) could not be parsed
    CertificateUntrusted,  // chain does not verify against the trust store
    CertificateExpired,
    NameMismatch,   // certificate does not cover the host name or address
    CryptoFailure,  // libcrypto reported an internal error
    // packet
    BadVersion,       // IP version nibble is not the one expected
    BadHeaderLength,  // IPv4 IHL < 5, or an extension header overruns
    BadTotalLength,   // length field disagrees with the bytes present
    BadChecksum,
    TooManyExtensionHeaders,
    BadLength,  // a UDP/ICMP length field is out of range
    // files
    BadMagic,             // a pcap file's magic number is not one we know
    UnsupportedLinktype,  // a pcap link type other than raw IP, Ethernet or Linux SLL
    IoError,              // a file or stream could not be read or written
};

// to_string returns the stable, printable name of an error (e.g. "Truncated").
std::string_view to_string(Error e) noexcept;

}  // namespace strata::core
