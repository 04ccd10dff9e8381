// keylog.hpp: key files Wireshark/tshark read to decrypt ESP, IKEv2, IKEv1 and TLS.
//
// The formats are the ones tested with tshark 4.0 in
// shared/interop/tshark-decrypt.md. A record string is what goes after
// "uat:<table>:" in a tshark -o option, or on one line of the UAT file of the
// same name in the Wireshark profile. These carry live keys: debug use only.
#pragma once

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "packet/address.hpp"

namespace strata::packet {

// kEspSaTable is the name of Wireshark's ESP SA UAT ("uat:esp_sa:...").
inline constexpr std::string_view kEspSaTable = "esp_sa";
// kIkev2DecryptionTable is the name of Wireshark's IKEv2 key UAT.
inline constexpr std::string_view kIkev2DecryptionTable = "ikev2_decryption_table";
// kIkev1DecryptionTable is the name of Wireshark's IKEv1 key UAT.
inline constexpr std::string_view kIkev1DecryptionTable = "ikev1_decryption_table";

// EspEncryption is an ESP encryption algorithm as Wireshark's esp_sa knows it.
enum class EspEncryption : std::uint8_t { Null, AesCbc, AesCtr, AesGcm8, AesGcm12, AesGcm16, TripleDesCbc };
// EspIntegrity is an ESP authentication algorithm as esp_sa knows it (Null for AEAD).
enum class EspIntegrity : std::uint8_t {
    Null,
    HmacMd5_96,
    HmacSha1_96,
    HmacSha256_128,
    HmacSha384_192,
    HmacSha512_256
};

// wireshark_name returns esp_sa's name for e, e.g. "AES-GCM with 16 octet ICV [RFC4106]".
std::string_view wireshark_name(EspEncryption e) noexcept;
// wireshark_name returns esp_sa's name for a, e.g. "HMAC-SHA-256-128 [RFC4868]".
std::string_view wireshark_name(EspIntegrity a) noexcept;

// EspSaKeys is one ESP SA (one direction). For AES-GCM and AES-CTR the
// encryption key includes the 4-byte salt/nonce at its end (RFC 4106 §8.1).
struct EspSaKeys {
    IpAddress src;  // outer source
    IpAddress dst;  // outer destination
    std::uint32_t spi = 0;
    EspEncryption encryption = EspEncryption::Null;
    core::ByteView encryption_key{};
    EspIntegrity integrity = EspIntegrity::Null;
    core::ByteView integrity_key{};
};

// esp_sa_record returns the 8 quoted fields of an esp_sa record:
// "IPv4","src","dst","0x%08x","<enc>","0x<KEY>","<auth>","0x<KEY>" (keys in
// upper-case hex; an empty key is "").
std::string esp_sa_record(const EspSaKeys& sa);

// write_esp_sa_file writes an esp_sa UAT file: a comment line, then one record per line.
void write_esp_sa_file(std::ostream& out, std::span<const EspSaKeys> sas);

// Ikev2Encryption is an IKEv2 SA encryption algorithm as ikev2_decryption_table knows it.
enum class Ikev2Encryption : std::uint8_t {
    TripleDes,
    AesCbc128,
    AesCbc192,
    AesCbc256,
    AesCtr128,
    AesCtr192,
    AesCtr256,
    AesGcm8_128,
    AesGcm8_192,
    AesGcm8_256,
    AesGcm12_128,
    AesGcm12_192,
    AesGcm12_256,
    AesGcm16_128,
    AesGcm16_192,
    AesGcm16_256,
};
// Ikev2Integrity is an IKEv2 SA integrity algorithm (None for AEAD).
enum class Ikev2Integrity : std::uint8_t {
    None,
    HmacMd5_96,
    HmacSha1_96,
    HmacSha256_128,
    HmacSha384_192,
    HmacSha512_256
};

// wireshark_name returns the table's name for e, e.g. "AES-CBC-256 [RFC3602]".
std::string wireshark_name(Ikev2Encryption e);
// wireshark_name returns the table's name for a, e.g. "HMAC_SHA2_256_128 [RFC4868]".
std::string_view wireshark_name(Ikev2Integrity a) noexcept;

// Ikev2SaKeys is the key material of one IKEv2 SA (RFC 7296 §2.14). SK_e*
// include the salt for AES-GCM; SK_a* are empty for AEAD.
struct Ikev2SaKeys {
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    core::ByteView sk_ei{};
    core::ByteView sk_er{};
    Ikev2Encryption encryption = Ikev2Encryption::AesCbc128;
    core::ByteView sk_ai{};
    core::ByteView sk_ar{};
    Ikev2Integrity integrity = Ikev2Integrity::None;
};

// ikev2_record returns an ikev2_decryption_table record: SPIs as 16 lower-case
// hex digits, keys as upper-case hex, all unquoted; the two names quoted.
std::string ikev2_record(const Ikev2SaKeys& sa);

// ikev1_record returns an ikev1_decryption_table record: the initiator cookie
// (16 hex digits) and the encryption key, unquoted.
std::string ikev1_record(std::uint64_t initiator_cookie, core::ByteView encryption_key);

// tshark_uat_option returns "uat:<table>:<record>", the value of a tshark -o option.
std::string tshark_uat_option(std::string_view table, std::string_view record);

// TlsSecretLabel is the label of an NSS key log line (the SSLKEYLOGFILE format).
enum class TlsSecretLabel : std::uint8_t {
    ClientRandom,              // TLS 1.2: the 48-byte master secret
    ClientEarlyTrafficSecret,  // TLS 1.3 (RFC 8446 §7.1)
    ClientHandshakeTrafficSecret,
    ServerHandshakeTrafficSecret,
    ClientTrafficSecret0,
    ServerTrafficSecret0,
    EarlyExporterSecret,
    ExporterSecret,
};

// to_string returns the label as written in the file, e.g. "CLIENT_RANDOM".
std::string_view to_string(TlsSecretLabel label) noexcept;

// nss_keylog_line returns "<LABEL> <client_random hex> <secret hex>" (lower
// case, no newline). Errors: BadLength if client_random is not 32 bytes
// (RFC 8446 §4.1.2) or the secret is empty.
core::Result<std::string> nss_keylog_line(TlsSecretLabel label, core::ByteView client_random,
                                          core::ByteView secret);

}  // namespace strata::packet
