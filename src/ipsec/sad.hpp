// sad.hpp: the Security Association Database (RFC 4301 §4.4.2).
//
// Inbound SAs are found by (SPI, destination, protocol) in one hash lookup
// (RFC 4301 §4.1). Outbound SAs are found from an SPD entry's reqid and
// protocol; during a rekey the newest SA for a reqid carries the traffic.
// SAs are shared_ptr: a packet in flight keeps its SA alive while the SA is
// replaced or deleted, and a shared_mutex lets lookups run side by side.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "ipsec/sa.hpp"

namespace strata::ipsec {

// SaKey identifies an inbound SA (RFC 4301 §4.1).
struct SaKey {
    std::uint32_t spi = 0;
    packet::IpAddress dst;
    Protocol protocol = Protocol::Esp;
    friend bool operator==(const SaKey&, const SaKey&) = default;
};

struct SaKeyHash {
    std::size_t operator()(const SaKey& k) const noexcept {
        return (std::size_t{k.spi} * 0x9e3779b97f4a7c15ULL) ^ k.dst.hash() ^
               static_cast<std::size_t>(k.protocol);
    }
};

// SadError says why an SA could not be installed or removed.
enum class SadError : std::uint8_t { DuplicateSpi, NoSuchSa };
std::string_view to_string(SadError e) noexcept;

using SaPtr = std::shared_ptr<SecurityAssociation>;

class Sad {
public:
    // install adds an SA; an inbound SA whose key is taken is refused
    // (DuplicateSpi). A new outbound SA for a reqid becomes the one used.
    core::Result<void, SadError> install(SaPtr sa);
    // replace installs sa in place of any SA with the same key (inbound) or
    // the same (spi, reqid) (outbound).
    void replace(SaPtr sa);
    // remove deletes the SA of this direction with this SPI, destination and protocol.
    core::Result<void, SadError> remove(Direction dir, const SaKey& key);
    // inbound returns the SA for a received packet, or null (UnknownSpi).
    [[nodiscard]] SaPtr inbound(const SaKey& key) const;
    // outbound returns the newest SA of that reqid and protocol, or null.
    [[nodiscard]] SaPtr outbound(std::uint32_t reqid, Protocol protocol) const;
    // all returns every SA (for listing and lifetime ticks).
    [[nodiscard]] std::vector<SaPtr> all() const;
    [[nodiscard]] std::size_t size() const;

private:
    mutable std::shared_mutex mu_;
    std::unordered_map<SaKey, SaPtr, SaKeyHash> in_;
    // Outbound SAs by reqid; the few per reqid (old and new during a rekey)
    // are kept oldest first.
    std::unordered_map<std::uint32_t, std::vector<SaPtr>> out_;
};

// key_of returns the lookup key of an SA: (spi, dst, protocol).
SaKey key_of(const SecurityAssociation& sa) noexcept;

}  // namespace strata::ipsec
