// tls_record_fuzz.cpp: RecordReader over arbitrary bytes, then each record
// through RecordProtection::open.
//
// The first input byte picks the protection: even values TLS 1.3
// AES-128-GCM keyed with RFC 8448 §3's server handshake key (so the seed
// records decrypt), odd values TLS 1.2 AES-128-CBC + HMAC-SHA1
// MAC-then-encrypt (the constant-time padding path). The second byte sets
// how many bytes are fed at a time. Whatever opens must reseal to a record
// that opens to the same plaintext.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/hex.hpp"
#include "crypto/random.hpp"
#include "tls/record.hpp"

using namespace strata;

namespace {

core::Bytes unhex(const char* h) { return core::from_hex(h).value(); }

tls::RecordProtection make(bool cbc, crypto::RandomSource& rng) {
    if (cbc) {
        return tls::RecordProtection::tls12_cbc(crypto::CipherAlg::Aes128Cbc, crypto::MacAlg::HmacSha1,
                                                core::Bytes(16, 0x11), core::Bytes(20, 0x22), false, rng)
            .value();
    }
    return tls::RecordProtection::tls13(crypto::AeadAlg::Aes128Gcm, unhex("3fce516009c21727d0f2e4e86ee403bc"),
                                        unhex("5d313eb2671276ee13000b30"))
        .value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const bool cbc = (data[0] & 1) != 0;
    const std::size_t step = std::size_t{data[1]} + 1;
    const core::ByteView stream(data + 2, size - 2);
    static crypto::SeededRandom rng(core::Bytes{7});
    tls::RecordProtection open = make(cbc, rng);
    tls::RecordReader reader(cbc ? tls::kMaxTls12CiphertextLength : tls::kMaxTls13CiphertextLength);
    for (std::size_t at = 0; at < stream.size(); at += step) {
        reader.feed(stream.subspan(at, std::min(step, stream.size() - at)));
        for (;;) {
            auto out = reader.next();
            if (!out) return 0;  // sticky: the stream is dead
            auto* rec = (out->complete() ? &out->record : nullptr);
            if (rec == nullptr) break;
            const std::uint64_t seq = open.sequence();
            if (!open.open(*rec)) continue;
            if (rec->fragment.size() > tls::kMaxPlaintextLength) __builtin_trap();
            if (seq > 4) continue;  // keep the reseal check cheap
            // Reseal at the same sequence number and open again.
            tls::RecordProtection w = make(cbc, rng);
            tls::RecordProtection r = make(cbc, rng);
            for (std::uint64_t i = 0; i < seq; ++i) {
                core::Bytes skip;
                if (!w.seal(tls::ContentType::ApplicationData, {}, skip)) __builtin_trap();
                tls::Record s{tls::ContentType::ApplicationData, tls::kTls12, {}};
                s.fragment.assign(skip.begin() + tls::kRecordHeaderLength, skip.end());
                s.type = static_cast<tls::ContentType>(skip[0]);
                if (!r.open(s)) __builtin_trap();
            }
            core::Bytes sealed;
            if (!w.seal(rec->type, rec->fragment, sealed)) __builtin_trap();
            tls::Record again{static_cast<tls::ContentType>(sealed[0]), tls::kTls12, {}};
            again.fragment.assign(sealed.begin() + tls::kRecordHeaderLength, sealed.end());
            if (!r.open(again) || again.type != rec->type || again.fragment != rec->fragment)
                __builtin_trap();
        }
    }
    return 0;
}
