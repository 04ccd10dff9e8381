// sa.hpp: a Security Association (RFC 4301 §4.4.2) as the datapath holds it.
//
// An SA is created from an SaConfig (by manual keying or by IKE) and keyed
// once: its AEAD, or cipher and MAC, are created at install, never per
// packet. It carries the outbound sequence counter (which never wraps,
// RFC 4303 §3.3.3), the inbound anti-replay window, soft and hard lifetimes in
// bytes, packets and time, and its counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/aead.hpp"
#include "crypto/algorithm_table.hpp"
#include "crypto/cipher.hpp"
#include "crypto/mac.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/outer_header.hpp"
#include "ipsec/replay_window.hpp"
#include "ipsec/selector.hpp"
#include "packet/address.hpp"

namespace strata::ipsec {

// Protocol is the IPsec protocol, numbered as the IP protocol field.
enum class Protocol : std::uint8_t { Esp = 50, Ah = 51 };
// Mode is transport (protects the payload) or tunnel (a whole inner packet).
enum class Mode : std::uint8_t { Transport, Tunnel };

// to_string returns "esp"/"ah" and "transport"/"tunnel".
std::string_view to_string(Protocol p) noexcept;
std::string_view to_string(Mode m) noexcept;

// DscpCopy says which way a tunnel-mode SA copies the DSCP between the inner
// and the outer header (RFC 4301 §5.1.2.1 leaves it to configuration;
// strongSwan's swanctl copy_dscp): Out copies the inner DSCP to the outer
// header on encapsulation, In the outer DSCP to the inner header on
// decapsulation, Yes both ways, No neither (the outer DSCP is 0).
enum class DscpCopy : std::uint8_t { Out, In, Yes, No };
// to_string returns "out", "in", "yes" or "no"; parse_dscp_copy reads them.
std::string_view to_string(DscpCopy d) noexcept;
std::optional<DscpCopy> parse_dscp_copy(std::string_view text) noexcept;

// LifetimeLimits is one set of limits; zero means no limit.
struct LifetimeLimits {
    std::uint64_t bytes = 0;
    std::uint64_t packets = 0;
    core::Duration time{0};
};

// Lifetimes: reaching soft raises a rekey event once; reaching hard kills the SA.
struct Lifetimes {
    LifetimeLimits soft;
    LifetimeLimits hard;
};

// UdpEncapsulation is RFC 3948 ESP-in-UDP framing (usually port 4500 both ways).
struct UdpEncapsulation {
    std::uint16_t src_port = 4500;
    std::uint16_t dst_port = 4500;
    friend bool operator==(const UdpEncapsulation&, const UdpEncapsulation&) = default;
};

// SaConfig is everything an SA is installed with.
struct SaConfig {
    std::uint32_t spi = 0;
    // reqid links outbound SAs to the SPD entries whose PROTECT template names
    // it (as in the kernel's XFRM and strongSwan); 0 for none.
    std::uint32_t reqid = 0;
    Direction direction = Direction::Outbound;
    Protocol protocol = Protocol::Esp;
    Mode mode = Mode::Tunnel;
    // The SA's endpoints: the outer header's source and destination in tunnel
    // mode, the hosts' addresses in transport mode. Inbound SAs are found by
    // (spi, dst, protocol).
    packet::IpAddress src;
    packet::IpAddress dst;
    const crypto::EncryptionInfo* encryption = nullptr;  // ESP only
    core::SecretBytes encryption_key;                    // key || salt, as KEYMAT orders them
    const crypto::IntegrityInfo* integrity = nullptr;    // none with an AEAD
    core::SecretBytes integrity_key;
    bool esn = false;
    // Anti-replay window size for inbound SAs (RFC 4303 §3.4.3); 0 turns the
    // check off, allowed only for an SA without integrity (there is none here).
    std::uint32_t replay_window = ReplayWindow::kDefaultSize;
    Lifetimes lifetimes;
    std::vector<Selector> selectors;  // empty: any (checked after inbound decryption)
    std::optional<UdpEncapsulation> udp_encap;
    std::uint8_t tunnel_ttl = 64;  // TTL / hop limit of the outer header
    // Tunnel mode: DSCP copying (RFC 4301 §5.1.2.1) and whether ECN is
    // carried across the tunnel (RFC 6040 normal mode) or not (the outer
    // ECN is Not-ECT and the inner header keeps its own). swanctl's
    // copy_dscp and copy_ecn, with its defaults.
    DscpCopy copy_dscp = DscpCopy::Out;
    bool copy_ecn = true;
    // known_answer_test relaxes two rules that published ESP vectors break:
    // SPI 0 (reserved, RFC 4303 §2.1) and ESP without integrity (allowed by
    // RFC 4303 §3.2 but refused here; the RFC 3602 §4 packets). Tests only:
    // manual keying and IKE never set it.
    bool known_answer_test = false;
};

// SaError says why an SaConfig was refused.
enum class SaError : std::uint8_t {
    MissingEncryption,  // ESP without an encryption transform
    MissingIntegrity,   // AH, or ESP with a non-AEAD cipher, without integrity
    AeadWithIntegrity,  // RFC 4303 §3.2: combined mode needs no separate ICV
    EncryptionWithAh,   // AH has no encryption
    WrongKeyLength,     // key material does not match the algorithms
    BadReplayWindow,    // outside 32..4096 (or 0 on an SA with integrity)
    AddressFamilyMismatch,
    ZeroSpi,  // SPI 0 is reserved (RFC 4303 §2.1; 1..255 by IANA)
    CryptoFailure,
};

// to_string returns the name of an SaError.
std::string_view to_string(SaError e) noexcept;

// LifetimeEvent is what accounting a packet or a tick of time raised.
enum class LifetimeEvent : std::uint8_t { None, SoftExpired, HardExpired };

// SaCounters counts what an SA carried and dropped.
struct SaCounters {
    std::atomic<std::uint64_t> packets{0};
    std::atomic<std::uint64_t> bytes{0};  // payload bytes protected or delivered
    DropCounters drops;
};

// SequenceBlock is a run of consecutive outbound sequence numbers reserved
// in one step: next, next + 1, ..., next + count - 1.
struct SequenceBlock {
    std::uint64_t next = 0;
    std::uint64_t count = 0;
};

// EspGeometry is the per-SA shape of an ESP packet, fixed when the SA is
// keyed so that no packet works it out again: the explicit IV length (8 for
// the AEADs, RFC 4106 §3.1 / RFC 7634 §2; the cipher's for CBC, RFC 3602 §2),
// the cipher block size, the padding alignment (the block size, at least 4:
// RFC 4303 §2.4; every transform here makes it a power of two) and the ICV
// length.
struct EspGeometry {
    std::size_t iv_len = 0;
    std::size_t block = 1;
    std::size_t align = 4;
    std::size_t icv_len = 0;
};

// SecurityAssociation is one installed SA. Not copyable; the SAD owns it.
class SecurityAssociation {
public:
    // create validates cfg, keys the transforms and starts the lifetime clock.
    static core::Result<std::unique_ptr<SecurityAssociation>, SaError> create(SaConfig cfg,
                                                                              core::Instant now);

    [[nodiscard]] const SaConfig& config() const noexcept { return cfg_; }
    [[nodiscard]] std::uint32_t spi() const noexcept { return cfg_.spi; }
    [[nodiscard]] bool is_aead() const noexcept { return aead_.has_value(); }

    // aead, cipher and mac return the keyed transforms (null when absent).
    [[nodiscard]] crypto::Aead* aead() noexcept { return aead_ ? &*aead_ : nullptr; }
    [[nodiscard]] crypto::BlockCipher* cipher() noexcept { return cipher_ ? &*cipher_ : nullptr; }
    [[nodiscard]] crypto::Mac* mac() noexcept { return mac_ ? &*mac_ : nullptr; }
    // salt returns the AEAD nonce salt from the end of the key material.
    [[nodiscard]] core::ByteView salt() const noexcept { return salt_; }
    // icv_len returns the ICV bytes this SA appends (AEAD tag or truncated MAC).
    [[nodiscard]] std::size_t icv_len() const noexcept { return esp_.icv_len; }
    // esp_geometry returns the ESP packet shape computed at install (for an
    // AH SA only icv_len is meaningful).
    [[nodiscard]] const EspGeometry& esp_geometry() const noexcept { return esp_; }
    // replay returns the inbound anti-replay window (null: off, or outbound).
    [[nodiscard]] ReplayWindow* replay() noexcept { return replay_ ? &*replay_ : nullptr; }

    // next_sequence reserves the next outbound sequence number (the first is
    // 1). Fails with SequenceExhausted instead of wrapping past 2^32-1, or
    // 2^64-1 with ESN (RFC 4303 §3.3.3); the SA then sends nothing more.
    core::Result<std::uint64_t, Drop> next_sequence() noexcept;
    // reserve_sequences reserves up to n consecutive numbers at once (fewer
    // near the limit) for a caller that sends a batch of packets; the numbers
    // are then the caller's to use, once each. SequenceExhausted if none is
    // left (RFC 4303 §3.3.3), as next_sequence.
    core::Result<SequenceBlock, Drop> reserve_sequences(std::uint64_t n) noexcept;
    // release_sequences gives back the unused tail of a reserved block (the
    // numbers unused.next .. unused.next + count - 1, which must end the
    // block) if no number was handed out after it since; otherwise they stay
    // unused: a gap the receiver's window tolerates, never a reuse.
    void release_sequences(const SequenceBlock& unused) noexcept;
    // last_sequence returns the last number handed out (0: none yet).
    [[nodiscard]] std::uint64_t last_sequence() const noexcept {
        return seq_.load(std::memory_order_relaxed);
    }
    // set_next_sequence makes the next number handed out `next` (tests and
    // vector replays only).
    void set_next_sequence(std::uint64_t next) noexcept { seq_.store(next - 1, std::memory_order_relaxed); }

    // account counts one packet of `bytes` and returns SoftExpired the first
    // time a soft limit is reached, HardExpired once a hard one is.
    LifetimeEvent account(std::size_t bytes, core::Instant now) noexcept;
    // account_pending evaluates the limits as account() would after counting
    // `packets` packets of `bytes` bytes in total, without counting them: a
    // caller that batches its counter updates calls it for every packet with
    // the totals it holds back so far, then add_usage() once per batch. The
    // events and expiry are those account() would have raised, packet by packet.
    LifetimeEvent account_pending(std::uint64_t packets, std::uint64_t bytes, core::Instant now) noexcept;
    // LifetimeBudget is how much more traffic an SA can carry before any of
    // its limits could fire: fewer than `packets` packets and `bytes` bytes.
    struct LifetimeBudget {
        std::uint64_t packets = 0;
        std::uint64_t bytes = 0;
    };
    // budget returns, for the counters as they stand and the time now, the
    // traffic below which account_pending(p, b, now) is certain to return
    // None and change nothing (p < packets and b < bytes). A caller holding
    // counter updates back for a batch asks once per SA per batch and calls
    // account_pending only when its totals reach the budget; zero when a
    // limit is already due (then every packet is judged).
    [[nodiscard]] LifetimeBudget budget(core::Instant now) const noexcept;
    // add_usage adds packets and bytes to the counters in one step (no
    // lifetime check: account_pending did it).
    void add_usage(std::uint64_t packets, std::uint64_t bytes) noexcept;
    // tick checks the time limits only.
    LifetimeEvent tick(core::Instant now) noexcept;
    // expired is true once a hard limit was reached; the SA then drops all.
    [[nodiscard]] bool expired() const noexcept { return hard_.load(std::memory_order_relaxed); }
    // soft_expired is true once a soft limit was reached.
    [[nodiscard]] bool soft_expired() const noexcept { return soft_.load(std::memory_order_relaxed); }
    // installed_at is when the SA was created.
    [[nodiscard]] core::Instant installed_at() const noexcept { return installed_; }

    // outer_header returns the tunnel-mode outer header built at install
    // (src, dst, tunnel_ttl, protocol); empty for a transport-mode SA.
    [[nodiscard]] const OuterHeader& outer_header() const noexcept { return outer_; }

    // TosCopy is cfg's copy_dscp and copy_ecn as the per-packet path applies
    // them, computed at install: the bits of the inner TOS / traffic class
    // that go into the outer header (RFC 4301 §5.1.2.1, RFC 6040 §4.1), the
    // bits of the outer one that decapsulation looks at (the ECN field
    // masked off without copy_ecn), and whether the outer DSCP replaces the
    // inner one (decap_flags: TosDecap::kCopyDscp or 0, tunnel.hpp).
    struct TosCopy {
        std::uint8_t encap_mask = 0xff;
        std::uint8_t decap_outer_mask = 0xff;
        std::uint16_t decap_flags = 0;
    };
    [[nodiscard]] const TosCopy& tos_copy() const noexcept { return tos_; }

    [[nodiscard]] SaCounters& counters() noexcept { return counters_; }
    [[nodiscard]] const SaCounters& counters() const noexcept { return counters_; }

private:
    explicit SecurityAssociation(SaConfig cfg, core::Instant now) : cfg_(std::move(cfg)), installed_(now) {}
    LifetimeEvent evaluate(core::Instant now, std::uint64_t extra_packets = 0,
                           std::uint64_t extra_bytes = 0) noexcept;

    SaConfig cfg_;
    core::Instant installed_;
    std::optional<crypto::Aead> aead_;
    std::optional<crypto::BlockCipher> cipher_;
    std::optional<crypto::Mac> mac_;
    std::optional<ReplayWindow> replay_;
    OuterHeader outer_;
    TosCopy tos_;
    EspGeometry esp_;
    core::ByteView salt_;  // the tail of cfg_.encryption_key (its storage never moves)
    std::atomic<std::uint64_t> seq_{0};
    std::atomic<bool> soft_{false};
    std::atomic<bool> hard_{false};
    SaCounters counters_;
};

}  // namespace strata::ipsec
