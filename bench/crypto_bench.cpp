// crypto_bench.cpp: Strata's Aead against the same raw EVP calls.
//
// Both sides use one keyed EVP_CIPHER_CTX per direction and set only the
// nonce per operation, on the same buffers, so the ratio measures the cost of
// the wrapper. Names: BM_AeadSeal/<impl>/<alg>/<size>, BM_AeadOpen/...
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include "crypto/aead.hpp"

namespace {

using strata::crypto::Aead;
using strata::crypto::AeadAlg;

struct AlgCase {
    const char* name;
    AeadAlg alg;
    const char* evp_name;
    std::size_t key_len;
};

constexpr AlgCase kAlgs[] = {
    {"aes128gcm16", AeadAlg::Aes128Gcm, "AES-128-GCM", 16},
    {"aes256gcm16", AeadAlg::Aes256Gcm, "AES-256-GCM", 32},
    {"chacha20poly1305", AeadAlg::ChaCha20Poly1305, "ChaCha20-Poly1305", 32},
};
constexpr std::size_t kSizes[] = {64, 512, 1400, 9000};
constexpr std::size_t kTag = 16;

// Fixture holds the buffers both implementations work on.
struct Buffers {
    explicit Buffers(std::size_t n) : data(n, 0x5a), sealed(n), key(32, 0x42) {}
    std::vector<std::uint8_t> data;
    std::vector<std::uint8_t> sealed;  // ciphertext for the open benchmarks
    std::vector<std::uint8_t> key;
    std::array<std::uint8_t, 12> nonce{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0, 0, 0, 0, 0};
    std::array<std::uint8_t, 8> aad{0x00, 0x00, 0x43, 0x21, 0x00, 0x00, 0x00, 0x01};  // ESP SPI | seq
    std::array<std::uint8_t, kTag> tag{};
};

// bump changes the nonce per packet the way ESP's counter IV does.
void bump(std::array<std::uint8_t, 12>& nonce) {
    for (std::size_t i = nonce.size(); i-- > 4;) {
        if (++nonce[i] != 0) break;
    }
}

// ---- raw EVP, the ceiling ----

EVP_CIPHER_CTX* evp_keyed(const AlgCase& a, const std::uint8_t* key, int enc) {
    EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, a.evp_name, nullptr);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    EVP_CipherInit_ex(ctx, cipher, nullptr, key, nullptr, enc);
    EVP_CIPHER_free(cipher);  // the context holds its own reference
    return ctx;
}

bool evp_seal(EVP_CIPHER_CTX* ctx, Buffers& b) {
    int outl = 0;
    std::uint8_t scratch[16];
    return EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, b.nonce.data(), 1) == 1 &&
           EVP_CipherUpdate(ctx, nullptr, &outl, b.aad.data(), static_cast<int>(b.aad.size())) == 1 &&
           EVP_CipherUpdate(ctx, b.data.data(), &outl, b.data.data(), static_cast<int>(b.data.size())) == 1 &&
           EVP_CipherFinal_ex(ctx, scratch, &outl) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTag), b.tag.data()) == 1;
}

bool evp_open(EVP_CIPHER_CTX* ctx, Buffers& b) {
    int outl = 0;
    std::uint8_t scratch[16];
    return EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, b.nonce.data(), 0) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTag), b.tag.data()) == 1 &&
           EVP_CipherUpdate(ctx, nullptr, &outl, b.aad.data(), static_cast<int>(b.aad.size())) == 1 &&
           EVP_CipherUpdate(ctx, b.data.data(), &outl, b.data.data(), static_cast<int>(b.data.size())) == 1 &&
           EVP_CipherFinal_ex(ctx, scratch, &outl) == 1;
}

void seal_evp(benchmark::State& state, const AlgCase& a, std::size_t n) {
    Buffers b(n);
    EVP_CIPHER_CTX* ctx = evp_keyed(a, b.key.data(), 1);
    for (auto _ : state) {
        bump(b.nonce);
        if (!evp_seal(ctx, b)) state.SkipWithError("seal failed");
        benchmark::DoNotOptimize(b.tag.data());
    }
    EVP_CIPHER_CTX_free(ctx);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void open_evp(benchmark::State& state, const AlgCase& a, std::size_t n) {
    Buffers b(n);
    EVP_CIPHER_CTX* enc = evp_keyed(a, b.key.data(), 1);
    EVP_CIPHER_CTX* dec = evp_keyed(a, b.key.data(), 0);
    evp_seal(enc, b);
    b.sealed = b.data;
    for (auto _ : state) {
        std::memcpy(b.data.data(), b.sealed.data(), n);  // open decrypts in place
        if (!evp_open(dec, b)) state.SkipWithError("open failed");
        benchmark::DoNotOptimize(b.data.data());
    }
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// ---- Strata ----

void seal_strata(benchmark::State& state, const AlgCase& a, std::size_t n) {
    Buffers b(n);
    auto aead = Aead::create(a.alg, {b.key.data(), a.key_len}, kTag);
    if (!aead) {
        state.SkipWithError("create failed");
        return;
    }
    for (auto _ : state) {
        bump(b.nonce);
        if (!aead->seal(b.nonce, b.aad, b.data, b.tag)) state.SkipWithError("seal failed");
        benchmark::DoNotOptimize(b.tag.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void open_strata(benchmark::State& state, const AlgCase& a, std::size_t n) {
    Buffers b(n);
    auto aead = Aead::create(a.alg, {b.key.data(), a.key_len}, kTag);
    if (!aead || !aead->seal(b.nonce, b.aad, b.data, b.tag)) {
        state.SkipWithError("setup failed");
        return;
    }
    b.sealed = b.data;
    for (auto _ : state) {
        std::memcpy(b.data.data(), b.sealed.data(), n);
        if (!aead->open(b.nonce, b.aad, b.data, b.tag)) state.SkipWithError("open failed");
        benchmark::DoNotOptimize(b.data.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// RatioReporter prints the usual console table, then strata/evp throughput
// ratios (from the median when repetitions are on, else the single run).
class RatioReporter : public benchmark::ConsoleReporter {
public:
    RatioReporter() : ConsoleReporter(OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs) {
            const bool single = r.run_type == Run::RT_Iteration && r.repetitions <= 1;
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.error_occurred || (!single && !median)) continue;
            auto it = r.counters.find("bytes_per_second");
            if (it != r.counters.end()) rate_[r.run_name.function_name] = it->second.value;
        }
    }

    void print_ratios() const {
        std::printf("\n%-40s %14s %14s %8s\n", "operation (strata vs evp)", "strata MB/s", "evp MB/s",
                    "ratio");
        for (const auto& [name, strata] : rate_) {
            const auto at = name.find("/strata/");
            if (at == std::string::npos) continue;
            std::string evp_name = name;
            evp_name.replace(at, 8, "/evp/");
            auto it = rate_.find(evp_name);
            if (it == rate_.end() || it->second <= 0) continue;
            std::string op = name;
            op.replace(at, 8, "/");
            std::printf("%-40s %14.1f %14.1f %8.3f\n", op.c_str(), strata / 1e6, it->second / 1e6,
                        strata / it->second);
        }
    }

private:
    std::map<std::string, double> rate_;
};

void register_all() {
    for (const AlgCase& a : kAlgs) {
        for (std::size_t n : kSizes) {
            const std::string tail = std::string(a.name) + "/" + std::to_string(n);
            benchmark::RegisterBenchmark(("BM_AeadSeal/strata/" + tail).c_str(), seal_strata, a, n);
            benchmark::RegisterBenchmark(("BM_AeadSeal/evp/" + tail).c_str(), seal_evp, a, n);
            benchmark::RegisterBenchmark(("BM_AeadOpen/strata/" + tail).c_str(), open_strata, a, n);
            benchmark::RegisterBenchmark(("BM_AeadOpen/evp/" + tail).c_str(), open_evp, a, n);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_ratios();
    benchmark::Shutdown();
    return 0;
}
