// record.hpp: the TLS record layer: framing, fragmentation and protection.
//
//   struct {                                  RFC 8446 §5.1, RFC 5246 §6.2.1
//       ContentType type;                     1 byte
//       ProtocolVersion legacy_record_version; 2 bytes (0x0303, 0x0301 in a first ClientHello)
//       uint16 length;                        2 bytes
//       opaque fragment[length];
//   } TLSPlaintext / TLSCiphertext;
//
// RecordReader turns a byte stream into records and says "need N more bytes"
// as a value. RecordProtection seals and opens records for one direction of
// one key: TLS 1.3 AEAD (RFC 8446 §5.2-5.4), TLS 1.2 AEAD (RFC 5288, RFC 7905)
// and TLS 1.2 CBC+HMAC, MAC-then-encrypt (RFC 5246 §6.2.3.2) or
// encrypt-then-MAC (RFC 7366). Compression is always null (CRIME).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "core/bytes.hpp"
#include "crypto/aead.hpp"
#include "crypto/algorithm_ids.hpp"
#include "crypto/cipher.hpp"
#include "crypto/mac.hpp"
#include "crypto/random.hpp"
#include "tls/alert.hpp"
#include "tls/version.hpp"

namespace strata::tls {

// ContentType is a record's type (RFC 8446 §5.1; RFC 5246 §6.2.1).
enum class ContentType : std::uint8_t {
    Invalid = 0,
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
};

// to_string returns the RFC name of t ("handshake"), "unknown" otherwise.
std::string_view to_string(ContentType t) noexcept;

// kRecordHeaderLength is the size of the type | version | length header.
inline constexpr std::size_t kRecordHeaderLength = 5;
// kMaxPlaintextLength is the largest fragment of plaintext, 2^14 (RFC 8446 §5.1).
inline constexpr std::size_t kMaxPlaintextLength = std::size_t{1} << 14;
// kMaxTls13CiphertextLength is 2^14 + 256 (RFC 8446 §5.2).
inline constexpr std::size_t kMaxTls13CiphertextLength = kMaxPlaintextLength + 256;
// kMaxTls12CiphertextLength is 2^14 + 2048 (RFC 5246 §6.2.3).
inline constexpr std::size_t kMaxTls12CiphertextLength = kMaxPlaintextLength + 2048;

// Record is one complete record as read off the wire (or, after
// RecordProtection::open, its plaintext and true content type).
struct Record {
    ContentType type = ContentType::Invalid;
    std::uint16_t version = kTls12;  // legacy_record_version as received
    core::Bytes fragment;
};

// ReadOutcome is what RecordReader::next returns: a complete record
// (need_more == 0), or the number of bytes still missing before the next
// record is complete (need_more > 0; record is then empty). Needing more
// bytes is a value, not an error.
struct ReadOutcome {
    std::size_t need_more = 0;
    Record record;

    // complete is true when record holds a whole record.
    [[nodiscard]] bool complete() const noexcept { return need_more == 0; }
};

// RecordReader splits a received byte stream into records. It checks the
// header of each record (a known content type, a 3.x version, a length within
// the limit, no empty handshake/alert/change_cipher_spec record) before
// waiting for the fragment. Its errors are sticky: after one failure every
// next() returns the same error.
class RecordReader {
public:
    // RecordReader(max_fragment) accepts fragments of up to max_fragment
    // bytes: kMaxPlaintextLength before keys are installed, then
    // kMaxTls13CiphertextLength or kMaxTls12CiphertextLength.
    explicit RecordReader(std::size_t max_fragment = kMaxPlaintextLength) noexcept
        : max_fragment_(max_fragment) {}

    // set_max_fragment changes the limit for records not yet returned.
    void set_max_fragment(std::size_t max_fragment) noexcept { max_fragment_ = max_fragment; }
    // max_fragment returns the current limit.
    [[nodiscard]] std::size_t max_fragment() const noexcept { return max_fragment_; }

    // feed appends received bytes (copied) to the stream.
    void feed(core::ByteView bytes);

    // next returns the next complete record, or the number of missing
    // bytes (ReadOutcome::need_more). Fails with UnknownContentType, BadRecordVersion,
    // RecordOverflow (length over max_fragment(), RFC 8446 §5.1-5.2) or
    // EmptyRecord (RFC 8446 §5.1: zero-length handshake and alert fragments
    // MUST NOT be sent).
    Result<ReadOutcome> next();

    // buffered returns the number of bytes fed but not yet returned.
    [[nodiscard]] std::size_t buffered() const noexcept { return buf_.size() - start_; }

private:
    core::Bytes buf_;
    std::size_t start_ = 0;
    std::size_t max_fragment_;
    std::optional<Error> failed_;
};

// write_plaintext_records appends data as unprotected records of type t,
// split into fragments of at most max_fragment bytes (at most
// kMaxPlaintextLength, RFC 8446 §5.1). Empty data writes nothing, except
// that empty application data writes one empty record. Fails with
// InternalError if max_fragment is 0 or over kMaxPlaintextLength.
Status write_plaintext_records(ContentType t, std::uint16_t version, core::ByteView data, core::Bytes& out,
                               std::size_t max_fragment = kMaxPlaintextLength);

// ProtectionKind says which record protection a RecordProtection applies.
enum class ProtectionKind : std::uint8_t {
    Tls13Aead,  // RFC 8446 §5.2
    Tls12Aead,  // RFC 5246 §6.2.3.3 with RFC 5288 (GCM) or RFC 7905 (ChaCha20-Poly1305)
    Tls12Cbc,   // RFC 5246 §6.2.3.2, optionally RFC 7366 encrypt-then-MAC
};

// to_string returns a printable name of k.
std::string_view to_string(ProtectionKind k) noexcept;

// kTlsAeadTagLength is the tag length of every TLS 1.3 / TLS 1.2 AEAD suite.
inline constexpr std::size_t kTlsAeadTagLength = 16;
// kTls12GcmFixedIvLength is the implicit salt of TLS 1.2 GCM (RFC 5288 §3).
inline constexpr std::size_t kTls12GcmFixedIvLength = 4;
// kTls12GcmExplicitNonceLength is the per-record explicit nonce (RFC 5288 §3).
inline constexpr std::size_t kTls12GcmExplicitNonceLength = 8;

// RecordProtection protects the records of one direction under one key: it
// owns the keyed cipher and the 64-bit sequence number (RFC 8446 §5.3,
// RFC 5246 §6.1), which starts at 0 and counts every record sealed or opened.
// It refuses to use the last sequence number rather than wrap. Use a
// RecordProtection only to seal or only to open. Move-only.
class RecordProtection {
public:
    // tls13 keys a TLS 1.3 record protection with the traffic key and iv
    // (RFC 8446 §7.3). Fails with Crypto on a wrong key or iv length.
    static Result<RecordProtection> tls13(crypto::AeadAlg alg, core::ByteView key, core::ByteView iv);
    // tls12_aead keys a TLS 1.2 AEAD protection: fixed_iv is the 4-byte salt
    // for GCM (RFC 5288 §3) or the 12-byte iv for ChaCha20-Poly1305
    // (RFC 7905 §2). version is the negotiated version for record headers.
    static Result<RecordProtection> tls12_aead(crypto::AeadAlg alg, core::ByteView key,
                                               core::ByteView fixed_iv, std::uint16_t version = kTls12);
    // tls12_cbc keys a TLS 1.2 CBC+HMAC protection (RFC 5246 §6.2.3.2).
    // encrypt_then_mac selects RFC 7366. rng supplies each record's explicit
    // IV and must outlive the RecordProtection.
    static Result<RecordProtection> tls12_cbc(crypto::CipherAlg cipher, crypto::MacAlg mac,
                                              core::ByteView enc_key, core::ByteView mac_key,
                                              bool encrypt_then_mac, crypto::RandomSource& rng,
                                              std::uint16_t version = kTls12);

    // seal appends one protected record carrying content of type t to out.
    // padding is TLS 1.3 zero padding (RFC 8446 §5.4) and must be 0 for
    // TLS 1.2. Fails with RecordOverflow if content is over
    // kMaxPlaintextLength or the record would be over its limit,
    // SequenceOverflow at the last sequence number, Crypto if libcrypto fails.
    // On failure out is left as it was.
    Status seal(ContentType t, core::ByteView content, core::Bytes& out, std::size_t padding = 0);

    // seal_all splits data into kMaxPlaintextLength fragments and seals each
    // (RFC 8446 §5.1); empty data seals one empty record.
    Status seal_all(ContentType t, core::ByteView data, core::Bytes& out);

    // open authenticates and decrypts rec in place: on success rec.fragment
    // holds the plaintext content and rec.type its true content type (for
    // TLS 1.3 the inner type, RFC 8446 §5.2). Fails with NotProtected (a
    // TLS 1.3 record whose outer type is not application_data),
    // RecordOverflow (ciphertext or plaintext over its limit),
    // BadRecordMac (every authentication or padding failure, alike),
    // NoContentType (TLS 1.3 all-zero inner plaintext, RFC 8446 §5.4),
    // UnexpectedMessage (a protected change_cipher_spec in TLS 1.3),
    // UnknownContentType, SequenceOverflow. On failure rec is unspecified.
    Status open(Record& rec);

    // kind returns which protection this is.
    [[nodiscard]] ProtectionKind kind() const noexcept { return kind_; }
    // sequence returns the sequence number the next record will use.
    [[nodiscard]] std::uint64_t sequence() const noexcept { return seq_; }
    // max_ciphertext returns the largest fragment open() accepts.
    [[nodiscard]] std::size_t max_ciphertext() const noexcept;

    RecordProtection(RecordProtection&&) noexcept = default;
    RecordProtection& operator=(RecordProtection&&) noexcept = default;
    RecordProtection(const RecordProtection&) = delete;
    RecordProtection& operator=(const RecordProtection&) = delete;
    ~RecordProtection() = default;

private:
    struct AeadState {
        crypto::Aead aead;
        core::SecretBytes iv;  // 12-byte iv (TLS 1.3, ChaCha) or 4-byte salt (GCM)
    };
    struct CbcState {
        crypto::BlockCipher cipher;
        crypto::Mac mac;
        crypto::Mac dummy_mac;  // equalises the bytes hashed for any padding length
        bool encrypt_then_mac;
        crypto::RandomSource* rng;
    };

    RecordProtection(ProtectionKind kind, std::uint16_t version, std::variant<AeadState, CbcState> state)
        : kind_(kind), version_(version), state_(std::move(state)) {}

    // take_sequence returns the sequence number to use and advances it.
    Result<std::uint64_t> take_sequence() noexcept;
    // nonce writes the 12-byte AEAD nonce for seq (RFC 8446 §5.3, RFC 7905 §2,
    // RFC 5288 §3 with the explicit part = seq).
    void nonce(std::uint64_t seq, std::uint8_t out[crypto::kAeadNonceLength]) const noexcept;

    Status seal13(ContentType t, core::ByteView content, std::size_t padding, core::Bytes& out);
    Status open13(Record& rec);
    Status seal12_aead(ContentType t, core::ByteView content, core::Bytes& out);
    Status open12_aead(Record& rec);
    Status seal12_cbc(ContentType t, core::ByteView content, core::Bytes& out);
    Status open12_cbc(Record& rec);

    ProtectionKind kind_;
    std::uint16_t version_;
    std::uint64_t seq_ = 0;
    std::variant<AeadState, CbcState> state_;
};

}  // namespace strata::tls
