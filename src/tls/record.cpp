// record.cpp: record framing and protection.
#include "tls/record.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "crypto/constant_time.hpp"
#include "crypto/hash.hpp"

namespace strata::tls {

namespace {

// Masks for constant-time selection: all ones when the condition holds.
std::uint32_t ct_mask_lt(std::uint32_t a, std::uint32_t b) noexcept {
    // (a - b) borrows iff a < b (both below 2^31 here).
    return 0U - ((a - b) >> 31);
}
std::uint32_t ct_mask_eq(std::uint32_t a, std::uint32_t b) noexcept {
    const std::uint32_t x = a ^ b;
    return 0U - (((x | (0U - x)) >> 31) ^ 1U);
}

bool known_type(std::uint8_t t) noexcept {
    return t == static_cast<std::uint8_t>(ContentType::ChangeCipherSpec) ||
           t == static_cast<std::uint8_t>(ContentType::Alert) ||
           t == static_cast<std::uint8_t>(ContentType::Handshake) ||
           t == static_cast<std::uint8_t>(ContentType::ApplicationData);
}

void write_header(core::Writer& w, ContentType t, std::uint16_t version, std::size_t length) {
    w.u8(static_cast<std::uint8_t>(t));
    w.u16(version);
    w.u16(static_cast<std::uint16_t>(length));
}

// tls12_aad returns seq_num | type | version | length (RFC 5246 §6.2.3.1,
// §6.2.3.3): the MAC input prefix and the AEAD additional data.
std::array<std::uint8_t, 13> tls12_aad(std::uint64_t seq, std::uint8_t type, std::uint16_t version,
                                       std::size_t length) noexcept {
    std::array<std::uint8_t, 13> a{};
    core::Writer w(core::MutableByteView(a.data(), a.size()));
    w.u64(seq);
    w.u8(type);
    w.u16(version);
    w.u16(static_cast<std::uint16_t>(length));
    return a;
}

}  // namespace

std::string_view to_string(ContentType t) noexcept {
    switch (t) {
        case ContentType::Invalid: return "invalid";
        case ContentType::ChangeCipherSpec: return "change_cipher_spec";
        case ContentType::Alert: return "alert";
        case ContentType::Handshake: return "handshake";
        case ContentType::ApplicationData: return "application_data";
    }
    return "unknown";
}

std::string_view to_string(ProtectionKind k) noexcept {
    switch (k) {
        case ProtectionKind::Tls13Aead: return "tls13-aead";
        case ProtectionKind::Tls12Aead: return "tls12-aead";
        case ProtectionKind::Tls12Cbc: return "tls12-cbc";
    }
    return "unknown";
}

// ---- RecordReader ----

void RecordReader::feed(core::ByteView bytes) {
    // Compact once the consumed prefix dominates, so the buffer stays bounded.
    if (start_ > 0 && start_ >= buf_.size() / 2) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

Result<ReadOutcome> RecordReader::next() {
    if (failed_) return fail(*failed_);
    core::Reader r(core::ByteView(buf_).subspan(start_));
    if (r.remaining() < kRecordHeaderLength) {
        return ReadOutcome{kRecordHeaderLength - r.remaining(), {}};
    }
    const std::uint8_t type = r.u8().value();
    const std::uint16_t version = r.u16().value();
    const std::uint16_t length = r.u16().value();
    Error e{};
    if (!known_type(type)) {
        e = Error::UnknownContentType;  // RFC 8446 §5: unexpected_message
    } else if ((version >> 8) != 0x03) {
        e = Error::BadRecordVersion;
    } else if (length > max_fragment_) {
        e = Error::RecordOverflow;  // RFC 8446 §5.1, §5.2
    } else if (length == 0 && type != static_cast<std::uint8_t>(ContentType::ApplicationData)) {
        e = Error::EmptyRecord;  // RFC 8446 §5.1
    }
    if (e != Error{}) {
        failed_ = e;
        return fail(e);
    }
    if (r.remaining() < length) return ReadOutcome{length - r.remaining(), {}};
    const core::ByteView body = r.bytes(length).value();
    Record rec{static_cast<ContentType>(type), version, core::Bytes(body.begin(), body.end())};
    start_ += kRecordHeaderLength + length;
    if (start_ == buf_.size()) {
        buf_.clear();
        start_ = 0;
    }
    return ReadOutcome{0, std::move(rec)};
}

Status write_plaintext_records(ContentType t, std::uint16_t version, core::ByteView data, core::Bytes& out,
                               std::size_t max_fragment) {
    if (max_fragment == 0 || max_fragment > kMaxPlaintextLength) return fail(Error::InternalError);
    if (data.empty() && t != ContentType::ApplicationData) return {};
    core::Writer w(out);
    do {
        const std::size_t n = std::min(max_fragment, data.size());
        write_header(w, t, version, n);
        w.bytes(data.first(n));
        data = data.subspan(n);
    } while (!data.empty());
    if (!w.ok()) return fail(Error::InternalError);
    return {};
}

// ---- RecordProtection ----

Result<RecordProtection> RecordProtection::tls13(crypto::AeadAlg alg, core::ByteView key, core::ByteView iv) {
    if (iv.size() != crypto::kAeadNonceLength) return fail(Error::Crypto);
    auto aead = crypto::Aead::create(alg, key, kTlsAeadTagLength);
    if (!aead) return fail(Error::Crypto);
    return RecordProtection(ProtectionKind::Tls13Aead, kTls12,
                            AeadState{std::move(aead).value(), core::SecretBytes(iv)});
}

Result<RecordProtection> RecordProtection::tls12_aead(crypto::AeadAlg alg, core::ByteView key,
                                                      core::ByteView fixed_iv, std::uint16_t version) {
    const bool chacha = alg == crypto::AeadAlg::ChaCha20Poly1305;
    if (fixed_iv.size() != (chacha ? crypto::kAeadNonceLength : kTls12GcmFixedIvLength)) {
        return fail(Error::Crypto);
    }
    auto aead = crypto::Aead::create(alg, key, kTlsAeadTagLength);
    if (!aead) return fail(Error::Crypto);
    return RecordProtection(ProtectionKind::Tls12Aead, version,
                            AeadState{std::move(aead).value(), core::SecretBytes(fixed_iv)});
}

Result<RecordProtection> RecordProtection::tls12_cbc(crypto::CipherAlg cipher, crypto::MacAlg mac,
                                                     core::ByteView enc_key, core::ByteView mac_key,
                                                     bool encrypt_then_mac, crypto::RandomSource& rng,
                                                     std::uint16_t version) {
    if (cipher == crypto::CipherAlg::Null) return fail(Error::Crypto);
    auto c = crypto::BlockCipher::create(cipher, enc_key);
    auto m = crypto::Mac::create(mac, mac_key);
    auto d = crypto::Mac::create(mac, mac_key);
    if (!c || !m || !d) return fail(Error::Crypto);
    return RecordProtection(
        ProtectionKind::Tls12Cbc, version,
        CbcState{std::move(c).value(), std::move(m).value(), std::move(d).value(), encrypt_then_mac, &rng});
}

std::size_t RecordProtection::max_ciphertext() const noexcept {
    return kind_ == ProtectionKind::Tls13Aead ? kMaxTls13CiphertextLength : kMaxTls12CiphertextLength;
}

Result<std::uint64_t> RecordProtection::take_sequence() noexcept {
    // RFC 8446 §5.3 / RFC 5246 §6.1: sequence numbers MUST NOT wrap; the last
    // value is never used, so the key dies instead.
    if (seq_ == std::numeric_limits<std::uint64_t>::max()) return fail(Error::SequenceOverflow);
    return seq_++;
}

void RecordProtection::nonce(std::uint64_t seq, std::uint8_t out[crypto::kAeadNonceLength]) const noexcept {
    const auto* st = std::get_if<AeadState>(&state_);
    if (st == nullptr) return;  // never: only AEAD protections build nonces
    const core::ByteView iv = st->iv.view();
    if (iv.size() == kTls12GcmFixedIvLength) {
        // RFC 5288 §3: nonce = salt (4) | explicit nonce (8); the explicit part is seq.
        std::copy(iv.begin(), iv.end(), out);
        for (std::size_t i = 0; i < 8; ++i) out[4 + i] = static_cast<std::uint8_t>(seq >> (8 * (7 - i)));
        return;
    }
    // RFC 8446 §5.3, RFC 7905 §2: the 64-bit sequence number, left-padded with
    // zeros to the iv length, XORed with the iv.
    for (std::size_t i = 0; i < crypto::kAeadNonceLength; ++i) {
        const std::size_t from_end = crypto::kAeadNonceLength - 1 - i;
        const auto s = from_end < 8 ? static_cast<std::uint8_t>(seq >> (8 * from_end)) : std::uint8_t{0};
        out[i] = static_cast<std::uint8_t>(iv[i] ^ s);
    }
}

Status RecordProtection::seal(ContentType t, core::ByteView content, core::Bytes& out, std::size_t padding) {
    if (content.size() > kMaxPlaintextLength) return fail(Error::RecordOverflow);
    if (padding != 0 && kind_ != ProtectionKind::Tls13Aead) return fail(Error::InternalError);
    const std::size_t mark = out.size();
    Status s;
    switch (kind_) {
        case ProtectionKind::Tls13Aead: s = seal13(t, content, padding, out); break;
        case ProtectionKind::Tls12Aead: s = seal12_aead(t, content, out); break;
        case ProtectionKind::Tls12Cbc: s = seal12_cbc(t, content, out); break;
    }
    if (!s) out.resize(mark);
    return s;
}

Status RecordProtection::seal_all(ContentType t, core::ByteView data, core::Bytes& out) {
    do {
        const std::size_t n = std::min(kMaxPlaintextLength, data.size());
        if (auto s = seal(t, data.first(n), out); !s) return s;
        data = data.subspan(n);
    } while (!data.empty());
    return {};
}

Status RecordProtection::open(Record& rec) {
    // RFC 8446 §5.2 / RFC 5246 §6.2.3: an over-long ciphertext is record_overflow.
    if (rec.fragment.size() > max_ciphertext()) return fail(Error::RecordOverflow);
    switch (kind_) {
        case ProtectionKind::Tls13Aead: return open13(rec);
        case ProtectionKind::Tls12Aead: return open12_aead(rec);
        case ProtectionKind::Tls12Cbc: return open12_cbc(rec);
    }
    return fail(Error::InternalError);
}

// RFC 8446 §5.2: TLSInnerPlaintext = content | type | zeros, sealed under the
// per-record nonce with the record header as additional data.
Status RecordProtection::seal13(ContentType t, core::ByteView content, std::size_t padding,
                                core::Bytes& out) {
    const std::size_t inner = content.size() + 1 + padding;
    const std::size_t length = inner + kTlsAeadTagLength;
    if (length > kMaxTls13CiphertextLength) return fail(Error::RecordOverflow);
    auto seq = take_sequence();
    if (!seq) return fail(seq.error());
    std::array<std::uint8_t, kRecordHeaderLength> header{};
    core::Writer hw(core::MutableByteView(header.data(), header.size()));
    // RFC 8446 §5.2: opaque_type = application_data, legacy_record_version = 0x0303.
    write_header(hw, ContentType::ApplicationData, kTls12, length);
    core::Writer w(out);
    w.bytes(header);
    w.bytes(content);
    w.u8(static_cast<std::uint8_t>(t));
    w.zeros(padding);
    w.zeros(kTlsAeadTagLength);
    if (!w.ok()) return fail(Error::InternalError);
    core::MutableByteView body = w.mutable_written().subspan(kRecordHeaderLength);
    std::uint8_t n[crypto::kAeadNonceLength];
    nonce(*seq, n);
    auto& st = std::get<AeadState>(state_);
    if (!st.aead.seal(core::ByteView(n, sizeof n), header, body.first(inner), body.subspan(inner))) {
        return fail(Error::Crypto);
    }
    return {};
}

Status RecordProtection::open13(Record& rec) {
    // RFC 8446 §5.2: every protected record's outer type is application_data
    // (change_cipher_spec is handled by the caller before decryption).
    if (rec.type != ContentType::ApplicationData) return fail(Error::NotProtected);
    const std::size_t length = rec.fragment.size();
    if (length < kTlsAeadTagLength + 1) return fail(Error::BadRecordMac);
    auto seq = take_sequence();
    if (!seq) return fail(seq.error());
    std::array<std::uint8_t, kRecordHeaderLength> header{};
    core::Writer hw(core::MutableByteView(header.data(), header.size()));
    write_header(hw, rec.type, rec.version, length);
    std::uint8_t n[crypto::kAeadNonceLength];
    nonce(*seq, n);
    auto& st = std::get<AeadState>(state_);
    const std::size_t inner = length - kTlsAeadTagLength;
    core::MutableByteView body(rec.fragment);
    if (!st.aead.open(core::ByteView(n, sizeof n), header, body.first(inner), body.subspan(inner))) {
        return fail(Error::BadRecordMac);
    }
    // RFC 8446 §5.4: the type is the last non-zero byte; none at all is
    // unexpected_message.
    std::size_t end = inner;
    while (end > 0 && rec.fragment[end - 1] == 0) --end;
    if (end == 0) return fail(Error::NoContentType);
    const std::uint8_t type = rec.fragment[end - 1];
    const std::size_t content = end - 1;
    // RFC 8446 §5.2: TLSInnerPlaintext content over 2^14 is record_overflow.
    if (content > kMaxPlaintextLength) return fail(Error::RecordOverflow);
    if (!known_type(type)) return fail(Error::UnknownContentType);
    // RFC 8446 §5: change_cipher_spec is never protected in TLS 1.3.
    if (type == static_cast<std::uint8_t>(ContentType::ChangeCipherSpec))
        return fail(Error::UnexpectedMessage);
    if (content == 0 && type != static_cast<std::uint8_t>(ContentType::ApplicationData)) {
        return fail(Error::EmptyRecord);  // RFC 8446 §5.4
    }
    rec.type = static_cast<ContentType>(type);
    rec.fragment.resize(content);
    return {};
}

// RFC 5246 §6.2.3.3: GenericAEADCipher = nonce_explicit | aead-ciphered;
// additional_data = seq_num | type | version | length.
Status RecordProtection::seal12_aead(ContentType t, core::ByteView content, core::Bytes& out) {
    auto& st = std::get<AeadState>(state_);
    const std::size_t explicit_len =
        st.iv.size() == kTls12GcmFixedIvLength ? kTls12GcmExplicitNonceLength : 0;
    auto seq = take_sequence();
    if (!seq) return fail(seq.error());
    const auto aad = tls12_aad(*seq, static_cast<std::uint8_t>(t), version_, content.size());
    core::Writer w(out);
    write_header(w, t, version_, explicit_len + content.size() + kTlsAeadTagLength);
    if (explicit_len != 0) w.u64(*seq);  // RFC 5288 §3: the explicit nonce is the sequence number
    w.bytes(content);
    w.zeros(kTlsAeadTagLength);
    if (!w.ok()) return fail(Error::InternalError);
    core::MutableByteView body = w.mutable_written().subspan(kRecordHeaderLength + explicit_len);
    std::uint8_t n[crypto::kAeadNonceLength];
    nonce(*seq, n);
    if (!st.aead.seal(core::ByteView(n, sizeof n), aad, body.first(content.size()),
                      body.subspan(content.size()))) {
        return fail(Error::Crypto);
    }
    return {};
}

Status RecordProtection::open12_aead(Record& rec) {
    auto& st = std::get<AeadState>(state_);
    const bool gcm = st.iv.size() == kTls12GcmFixedIvLength;
    const std::size_t explicit_len = gcm ? kTls12GcmExplicitNonceLength : 0;
    if (rec.fragment.size() < explicit_len + kTlsAeadTagLength) return fail(Error::BadRecordMac);
    const std::size_t plain = rec.fragment.size() - explicit_len - kTlsAeadTagLength;
    auto seq = take_sequence();
    if (!seq) return fail(seq.error());
    std::uint8_t n[crypto::kAeadNonceLength];
    if (gcm) {
        // RFC 5288 §3: salt from the key block, explicit part from the record.
        core::Reader r(rec.fragment);
        auto salt = st.iv.view();
        std::copy(salt.begin(), salt.end(), n);
        if (!r.copy_to(core::MutableByteView(n + kTls12GcmFixedIvLength, kTls12GcmExplicitNonceLength))) {
            return fail(Error::BadRecordMac);
        }
    } else {
        nonce(*seq, n);
    }
    const auto aad = tls12_aad(*seq, static_cast<std::uint8_t>(rec.type), rec.version, plain);
    core::MutableByteView body = core::MutableByteView(rec.fragment).subspan(explicit_len);
    if (!st.aead.open(core::ByteView(n, sizeof n), aad, body.first(plain), body.subspan(plain))) {
        return fail(Error::BadRecordMac);
    }
    if (plain > kMaxPlaintextLength) return fail(Error::RecordOverflow);
    rec.fragment.erase(rec.fragment.begin(),
                       rec.fragment.begin() + static_cast<std::ptrdiff_t>(explicit_len));
    rec.fragment.resize(plain);
    return {};
}

// RFC 5246 §6.2.3.2: GenericBlockCipher = IV | CBC(content | MAC | padding |
// padding_length), MAC = HMAC(seq_num | type | version | length | content).
// RFC 7366 §3: with encrypt-then-MAC, IV | CBC(content | padding |
// padding_length) | MAC, the MAC over the header fields and IV | ciphertext.
Status RecordProtection::seal12_cbc(ContentType t, core::ByteView content, core::Bytes& out) {
    auto& st = std::get<CbcState>(state_);
    const std::size_t block = st.cipher.block_size();
    const std::size_t mac_len = st.mac.output_len();
    const std::size_t iv_len = st.cipher.iv_len();
    const std::size_t inner = content.size() + (st.encrypt_then_mac ? 0 : mac_len);
    const std::size_t pad = block - (inner % block);  // 1..block bytes incl. padding_length
    const std::size_t ct_len = inner + pad;
    auto seq = take_sequence();
    if (!seq) return fail(seq.error());
    const auto type = static_cast<std::uint8_t>(t);
    std::array<std::uint8_t, crypto::kMaxDigestLength> mac{};
    core::Writer w(out);
    write_header(w, t, version_, iv_len + ct_len + (st.encrypt_then_mac ? mac_len : 0));
    const std::size_t iv_at = w.size();
    w.zeros(iv_len);
    w.bytes(content);
    if (!st.encrypt_then_mac) {
        const auto aad = tls12_aad(*seq, type, version_, content.size());
        if (!st.mac.init() || !st.mac.update(aad) || !st.mac.update(content) ||
            !st.mac.final(core::MutableByteView(mac.data(), mac_len))) {
            return fail(Error::Crypto);
        }
        w.bytes(core::ByteView(mac.data(), mac_len));
    }
    for (std::size_t i = 0; i < pad; ++i) w.u8(static_cast<std::uint8_t>(pad - 1));
    if (st.encrypt_then_mac) w.zeros(mac_len);
    if (!w.ok()) return fail(Error::InternalError);
    core::MutableByteView rec = w.mutable_written();
    core::MutableByteView iv = rec.subspan(iv_at, iv_len);
    if (!st.rng->fill(iv)) return fail(Error::Crypto);
    if (!st.cipher.encrypt(iv, rec.subspan(iv_at + iv_len, ct_len))) return fail(Error::Crypto);
    if (st.encrypt_then_mac) {
        const auto aad = tls12_aad(*seq, type, version_, iv_len + ct_len);
        if (!st.mac.init() || !st.mac.update(aad) || !st.mac.update(rec.subspan(iv_at, iv_len + ct_len)) ||
            !st.mac.final(rec.subspan(iv_at + iv_len + ct_len, mac_len))) {
            return fail(Error::Crypto);
        }
    }
    return {};
}

Status RecordProtection::open12_cbc(Record& rec) {
    auto& st = std::get<CbcState>(state_);
    const std::size_t block = st.cipher.block_size();
    const std::size_t mac_len = st.mac.output_len();
    const std::size_t iv_len = st.cipher.iv_len();
    const std::size_t length = rec.fragment.size();
    const auto type = static_cast<std::uint8_t>(rec.type);
    auto seq = take_sequence();
    if (!seq) return fail(seq.error());
    core::MutableByteView frag(rec.fragment);

    if (st.encrypt_then_mac) {
        // RFC 7366 §3: check the MAC over IV | ciphertext first; only an
        // authentic record is decrypted, so padding timing reveals nothing.
        if (length < iv_len + block + mac_len || (length - iv_len - mac_len) % block != 0) {
            return fail(Error::BadRecordMac);
        }
        const std::size_t ct_len = length - iv_len - mac_len;
        const auto aad = tls12_aad(*seq, type, rec.version, iv_len + ct_len);
        if (!st.mac.init() || !st.mac.update(aad) || !st.mac.update(frag.first(iv_len + ct_len)) ||
            !st.mac.final_verify(frag.subspan(iv_len + ct_len, mac_len))) {
            return fail(Error::BadRecordMac);
        }
        if (!st.cipher.decrypt(frag.first(iv_len), frag.subspan(iv_len, ct_len))) return fail(Error::Crypto);
        const std::size_t pad = frag[iv_len + ct_len - 1];
        if (pad + 1 > ct_len) return fail(Error::BadRecordMac);
        for (std::size_t i = 0; i <= pad; ++i) {
            if (frag[iv_len + ct_len - 1 - i] != pad) return fail(Error::BadRecordMac);
        }
        const std::size_t content = ct_len - pad - 1;
        if (content > kMaxPlaintextLength) return fail(Error::RecordOverflow);
        rec.fragment.erase(rec.fragment.begin(), rec.fragment.begin() + static_cast<std::ptrdiff_t>(iv_len));
        rec.fragment.resize(content);
        return {};
    }

    // MAC-then-encrypt. The ciphertext length is public; everything derived
    // from the decrypted padding is secret and handled without branches
    // (Lucky Thirteen, RFC 5246 §6.2.3.2 implementation note): a bad padding
    // is treated as zero-length padding, the MAC is still computed and the
    // same number of bytes is hashed whatever the padding, and one
    // bad_record_mac answers every failure.
    const std::size_t min_ct = std::max(block, ((mac_len + 1 + block - 1) / block) * block);
    if (length < iv_len + min_ct || (length - iv_len) % block != 0) return fail(Error::BadRecordMac);
    if (!st.cipher.decrypt(frag.first(iv_len), frag.subspan(iv_len))) return fail(Error::Crypto);
    const core::ByteView data = core::ByteView(frag).subspan(iv_len);
    const auto n = static_cast<std::uint32_t>(data.size());
    const auto mlen = static_cast<std::uint32_t>(mac_len);
    const std::uint32_t pad = data[n - 1];
    // good: pad + 1 + mac_len <= n, and the last pad + 1 bytes all equal pad.
    std::uint32_t good = ct_mask_lt(pad + mlen, n);
    const std::uint32_t to_check = std::min<std::uint32_t>(256, n);
    for (std::uint32_t i = 0; i < to_check; ++i) {
        const std::uint32_t in_pad = ct_mask_lt(i, pad + 1);
        good &= ~(in_pad & ~ct_mask_eq(data[n - 1 - i], pad));
    }
    const std::uint32_t pad_used = pad & good;
    const std::uint32_t max_content = n - mlen - 1;
    const std::uint32_t content = max_content - pad_used;

    std::array<std::uint8_t, crypto::kMaxDigestLength> expected{};
    const auto aad = tls12_aad(*seq, type, rec.version, content);
    bool mac_ok = st.mac.init() && st.mac.update(aad) && st.mac.update(data.first(content)) &&
                  st.mac.final(core::MutableByteView(expected.data(), mac_len));
    // Hash the bytes the real MAC skipped, so the work does not depend on pad.
    std::array<std::uint8_t, crypto::kMaxDigestLength> discard{};
    mac_ok = mac_ok && st.dummy_mac.init() && st.dummy_mac.update(aad) &&
             st.dummy_mac.update(data.subspan(content, max_content - content)) &&
             st.dummy_mac.final(core::MutableByteView(discard.data(), mac_len));
    // Copy the received MAC out from the secret offset `content` by scanning
    // every offset it could have.
    std::array<std::uint8_t, crypto::kMaxDigestLength> received{};
    const std::uint32_t lowest = max_content > 255 ? max_content - 255 : 0;
    for (std::uint32_t j = lowest; j <= max_content; ++j) {
        const auto sel = static_cast<std::uint8_t>(ct_mask_eq(j, content));
        for (std::uint32_t k = 0; k < mlen; ++k) received[k] |= static_cast<std::uint8_t>(sel & data[j + k]);
    }
    const bool tag_ok = crypto::constant_time_equal(core::ByteView(expected.data(), mac_len),
                                                    core::ByteView(received.data(), mac_len));
    if (!mac_ok) return fail(Error::Crypto);
    if (!tag_ok || good == 0) return fail(Error::BadRecordMac);
    if (content > kMaxPlaintextLength) return fail(Error::RecordOverflow);
    rec.fragment.erase(rec.fragment.begin(), rec.fragment.begin() + static_cast<std::ptrdiff_t>(iv_len));
    rec.fragment.resize(content);
    return {};
}

}  // namespace strata::tls
