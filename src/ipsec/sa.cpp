#include "ipsec/sa.hpp"

#include <algorithm>

#include "ipsec/tunnel.hpp"

namespace strata::ipsec {

std::string_view to_string(Protocol p) noexcept { return p == Protocol::Esp ? "esp" : "ah"; }
std::string_view to_string(Mode m) noexcept { return m == Mode::Transport ? "transport" : "tunnel"; }

std::string_view to_string(DscpCopy d) noexcept {
    switch (d) {
        case DscpCopy::Out: return "out";
        case DscpCopy::In: return "in";
        case DscpCopy::Yes: return "yes";
        case DscpCopy::No: return "no";
    }
    return "out";
}

std::optional<DscpCopy> parse_dscp_copy(std::string_view text) noexcept {
    for (auto d : {DscpCopy::Out, DscpCopy::In, DscpCopy::Yes, DscpCopy::No}) {
        if (text == to_string(d)) return d;
    }
    return std::nullopt;
}

std::string_view to_string(SaError e) noexcept {
    switch (e) {
        case SaError::MissingEncryption: return "MissingEncryption";
        case SaError::MissingIntegrity: return "MissingIntegrity";
        case SaError::AeadWithIntegrity: return "AeadWithIntegrity";
        case SaError::EncryptionWithAh: return "EncryptionWithAh";
        case SaError::WrongKeyLength: return "WrongKeyLength";
        case SaError::BadReplayWindow: return "BadReplayWindow";
        case SaError::AddressFamilyMismatch: return "AddressFamilyMismatch";
        case SaError::ZeroSpi: return "ZeroSpi";
        case SaError::CryptoFailure: return "CryptoFailure";
    }
    return "Unknown";
}

core::Result<std::unique_ptr<SecurityAssociation>, SaError> SecurityAssociation::create(SaConfig cfg,
                                                                                        core::Instant now) {
    using core::fail;
    if (cfg.spi == 0 && !cfg.known_answer_test) return fail(SaError::ZeroSpi);
    if (cfg.src.version() != cfg.dst.version()) return fail(SaError::AddressFamilyMismatch);
    const auto* enc = cfg.encryption;
    const auto* integ = cfg.integrity;
    if (cfg.protocol == Protocol::Ah) {
        if (enc != nullptr) return fail(SaError::EncryptionWithAh);
        if (integ == nullptr) return fail(SaError::MissingIntegrity);
    } else {
        if (enc == nullptr) return fail(SaError::MissingEncryption);
        if (enc->aead && integ != nullptr) return fail(SaError::AeadWithIntegrity);
        // RFC 4303 §3.2: confidentiality without integrity is not offered here
        // (it opens ESP to cut-and-paste attacks); NULL needs integrity too.
        if (!enc->aead && integ == nullptr && !cfg.known_answer_test) return fail(SaError::MissingIntegrity);
    }
    if (enc != nullptr && cfg.encryption_key.size() != enc->key_len + enc->salt_len) {
        return fail(SaError::WrongKeyLength);
    }
    if (integ != nullptr && cfg.integrity_key.size() != integ->key_len) return fail(SaError::WrongKeyLength);
    if (cfg.direction == Direction::Inbound &&
        (cfg.replay_window < ReplayWindow::kMinSize || cfg.replay_window > ReplayWindow::kMaxSize)) {
        // Every SA here has integrity, so the window cannot be turned off.
        return fail(SaError::BadReplayWindow);
    }

    std::unique_ptr<SecurityAssociation> sa(new SecurityAssociation(std::move(cfg), now));
    const SaConfig& c = sa->cfg_;
    if (enc != nullptr && enc->aead) {
        auto a =
            crypto::Aead::create(enc->aead_alg, c.encryption_key.view().first(enc->key_len), enc->icv_len);
        if (!a)
            return fail(a.error() == core::Error::InvalidKeyLength ? SaError::WrongKeyLength
                                                                   : SaError::CryptoFailure);
        sa->aead_.emplace(std::move(a).value());
    } else if (enc != nullptr) {
        auto b = crypto::BlockCipher::create(enc->cipher_alg, c.encryption_key.view());
        if (!b)
            return fail(b.error() == core::Error::InvalidKeyLength ? SaError::WrongKeyLength
                                                                   : SaError::CryptoFailure);
        sa->cipher_.emplace(std::move(b).value());
    }
    if (integ != nullptr) {
        auto m = crypto::Mac::create(integ->mac, c.integrity_key.view());
        if (!m) return fail(SaError::CryptoFailure);
        sa->mac_.emplace(std::move(m).value());
    }
    // The ESP shape and the nonce salt, once (esp.cpp uses them per packet).
    if (enc != nullptr && enc->salt_len != 0)
        sa->salt_ = c.encryption_key.view().subspan(enc->key_len, enc->salt_len);
    EspGeometry& g = sa->esp_;
    if (sa->aead_) {
        g.iv_len = 8;  // RFC 4106 §3.1, RFC 7634 §2: an 8-byte explicit IV
        g.icv_len = sa->aead_->icv_len();
    } else {
        if (sa->cipher_) {
            g.iv_len = sa->cipher_->iv_len();
            g.block = sa->cipher_->block_size();
        }
        g.icv_len = integ != nullptr ? integ->icv_len : 0;
    }
    g.align = g.block > 4 ? g.block : 4;  // RFC 4303 §2.4
    if (c.mode == Mode::Tunnel) {
        // RFC 4301 §5.1.2: the outer header's fixed fields come from the SA.
        sa->outer_ = OuterHeader::make(c.src, c.dst, c.tunnel_ttl, static_cast<std::uint8_t>(c.protocol));
    }
    // RFC 4301 §5.1.2.1 (DSCP) and RFC 6040 (ECN), per the SA's configuration.
    const bool dscp_out = c.copy_dscp == DscpCopy::Out || c.copy_dscp == DscpCopy::Yes;
    sa->tos_.encap_mask = static_cast<std::uint8_t>((dscp_out ? 0xfcU : 0U) | (c.copy_ecn ? 0x03U : 0U));
    sa->tos_.decap_outer_mask = c.copy_ecn ? 0xff : 0xfc;
    const bool dscp_in = c.copy_dscp == DscpCopy::In || c.copy_dscp == DscpCopy::Yes;
    sa->tos_.decap_flags = dscp_in ? TosDecap::kCopyDscp : 0;
    if (c.direction == Direction::Inbound) {
        auto w = ReplayWindow::create(c.replay_window, c.esn);
        if (!w) return fail(SaError::BadReplayWindow);
        sa->replay_.emplace(std::move(w).value());
    }
    return sa;
}

core::Result<std::uint64_t, Drop> SecurityAssociation::next_sequence() noexcept {
    const std::uint64_t limit = cfg_.esn ? ~std::uint64_t{0} : 0xffffffffULL;
    std::uint64_t cur = seq_.load(std::memory_order_relaxed);
    do {
        // RFC 4303 §3.3.3: the counter must not cycle; the SA stops sending.
        if (cur >= limit) return core::fail(Drop::SequenceExhausted);
    } while (!seq_.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed));
    return cur + 1;
}

core::Result<SequenceBlock, Drop> SecurityAssociation::reserve_sequences(std::uint64_t n) noexcept {
    const std::uint64_t limit = cfg_.esn ? ~std::uint64_t{0} : 0xffffffffULL;
    std::uint64_t cur = seq_.load(std::memory_order_relaxed);
    std::uint64_t take = 0;
    do {
        // RFC 4303 §3.3.3: the counter must not cycle; the SA stops sending.
        if (cur >= limit || n == 0) return core::fail(Drop::SequenceExhausted);
        take = limit - cur < n ? limit - cur : n;
    } while (!seq_.compare_exchange_weak(cur, cur + take, std::memory_order_relaxed));
    return SequenceBlock{cur + 1, take};
}

void SecurityAssociation::release_sequences(const SequenceBlock& unused) noexcept {
    if (unused.count == 0) return;
    std::uint64_t last = unused.next + unused.count - 1;  // the block's last number
    // Only if seq_ still stands at the block's end: nobody took a number since.
    (void)seq_.compare_exchange_strong(last, unused.next - 1, std::memory_order_relaxed);
}

namespace {

bool reached(const LifetimeLimits& l, std::uint64_t bytes, std::uint64_t packets,
             core::Duration age) noexcept {
    return (l.bytes != 0 && bytes >= l.bytes) || (l.packets != 0 && packets >= l.packets) ||
           (l.time.count() != 0 && age >= l.time);
}

}  // namespace

LifetimeEvent SecurityAssociation::evaluate(core::Instant now, std::uint64_t extra_packets,
                                            std::uint64_t extra_bytes) noexcept {
    const std::uint64_t bytes = counters_.bytes.load(std::memory_order_relaxed) + extra_bytes;
    const std::uint64_t packets = counters_.packets.load(std::memory_order_relaxed) + extra_packets;
    const core::Duration age = now - installed_;
    if (reached(cfg_.lifetimes.hard, bytes, packets, age)) {
        if (!hard_.exchange(true, std::memory_order_relaxed)) return LifetimeEvent::HardExpired;
        return LifetimeEvent::None;
    }
    if (reached(cfg_.lifetimes.soft, bytes, packets, age)) {
        if (!soft_.exchange(true, std::memory_order_relaxed)) return LifetimeEvent::SoftExpired;
    }
    return LifetimeEvent::None;
}

SecurityAssociation::LifetimeBudget SecurityAssociation::budget(core::Instant now) const noexcept {
    constexpr std::uint64_t kUnlimited = ~std::uint64_t{0};
    LifetimeBudget b{kUnlimited, kUnlimited};
    // Once hard_ is set evaluate() returns None whatever it is given.
    if (hard_.load(std::memory_order_relaxed)) return b;
    const std::uint64_t bytes = counters_.bytes.load(std::memory_order_relaxed);
    const std::uint64_t packets = counters_.packets.load(std::memory_order_relaxed);
    const core::Duration age = now - installed_;
    auto limit = [&](const LifetimeLimits& l) {
        if (l.time.count() != 0 && age >= l.time) {
            b = LifetimeBudget{};  // due now: judge every packet
            return;
        }
        // A limit L fires once the total reaches L: packets + p < L holds for p < L - packets.
        if (l.packets != 0) b.packets = std::min(b.packets, l.packets > packets ? l.packets - packets : 0);
        if (l.bytes != 0) b.bytes = std::min(b.bytes, l.bytes > bytes ? l.bytes - bytes : 0);
    };
    limit(cfg_.lifetimes.hard);
    // Once soft_ is set a reached soft limit raises nothing again.
    if (!soft_.load(std::memory_order_relaxed)) limit(cfg_.lifetimes.soft);
    return b;
}

LifetimeEvent SecurityAssociation::account(std::size_t bytes, core::Instant now) noexcept {
    counters_.packets.fetch_add(1, std::memory_order_relaxed);
    counters_.bytes.fetch_add(bytes, std::memory_order_relaxed);
    return evaluate(now);
}

LifetimeEvent SecurityAssociation::account_pending(std::uint64_t packets, std::uint64_t bytes,
                                                   core::Instant now) noexcept {
    return evaluate(now, packets, bytes);
}

void SecurityAssociation::add_usage(std::uint64_t packets, std::uint64_t bytes) noexcept {
    if (packets != 0) counters_.packets.fetch_add(packets, std::memory_order_relaxed);
    if (bytes != 0) counters_.bytes.fetch_add(bytes, std::memory_order_relaxed);
}

LifetimeEvent SecurityAssociation::tick(core::Instant now) noexcept { return evaluate(now); }

}  // namespace strata::ipsec
