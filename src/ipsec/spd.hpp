// spd.hpp: the Security Policy Database (RFC 4301 §4.4.1).
//
// Ordered policies per direction, each a Selector and an action: PROTECT
// (with its template: ESP and/or AH, mode, tunnel endpoints, and the reqid
// that links it to SAs), BYPASS or DISCARD. The first matching policy in
// priority order decides; no match means DISCARD (RFC 4301 §5.1).
//
// Lookup is not linear in the number of policies: every policy is indexed
// under the prefixes its remote address range splits into, in one hash map
// per direction and IP version. A lookup probes that map once per prefix
// length in use (a handful in practice, at most 33 or 129) and checks only
// the policies found there, best first.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "ipsec/sa.hpp"
#include "ipsec/selector.hpp"

namespace strata::ipsec {

// Action is what a policy does with matching traffic.
enum class Action : std::uint8_t { Protect, Bypass, Discard };
// to_string returns "protect", "bypass" or "discard".
std::string_view to_string(Action a) noexcept;

// ProtectTemplate says how PROTECT traffic is protected (RFC 4301 §4.4.1.2).
// protocols lists the transforms outermost last: {Esp}, {Ah} or {Esp, Ah}
// (ESP applied first, then AH over the result: a bundle).
struct ProtectTemplate {
    std::vector<Protocol> protocols{Protocol::Esp};
    Mode mode = Mode::Tunnel;
    packet::IpAddress tunnel_src;  // tunnel mode: the outer header's endpoints
    packet::IpAddress tunnel_dst;
    std::uint32_t reqid = 0;  // SAs installed with this reqid serve the policy
};

// Policy is one SPD entry.
struct Policy {
    std::uint32_t id = 0;  // assigned by Spd::add when 0
    std::string name;      // for people: "lan-to-lan", "bypass-ike"
    Direction direction = Direction::Outbound;
    std::uint32_t priority = 0;  // lower first; ties keep insertion order
    Selector selector;
    Action action = Action::Discard;
    ProtectTemplate protect;  // meaningful for Action::Protect
};

// SpdError says why a policy was refused.
enum class SpdError : std::uint8_t { DuplicateId, MixedAddressFamilies, EmptyTemplate, NoSuchPolicy };
std::string_view to_string(SpdError e) noexcept;

// Spd holds the policies of both directions. Not thread-safe: changes and
// lookups are serialised by the owner (the gateway swaps whole SPDs).
class Spd {
public:
    Spd();
    ~Spd();
    Spd(Spd&&) noexcept;
    Spd& operator=(Spd&&) noexcept;

    // add inserts a policy and returns its id.
    core::Result<std::uint32_t, SpdError> add(Policy p);
    // remove deletes the policy with this id.
    core::Result<void, SpdError> remove(std::uint32_t id);
    // lookup returns the first policy (by priority, then insertion) whose
    // selector matches the packet in that direction, or null (RFC 4301: DISCARD).
    [[nodiscard]] const Policy* lookup(const PacketFields& f, Direction dir) const noexcept;
    // find returns the policy with this id, or null.
    [[nodiscard]] const Policy* find(std::uint32_t id) const noexcept;
    // policies lists every policy of a direction in priority order.
    [[nodiscard]] std::vector<const Policy*> policies(Direction dir) const;
    // size returns the number of policies in both directions.
    [[nodiscard]] std::size_t size() const noexcept;

private:
    struct Index;
    std::unique_ptr<Index> in_;
    std::unique_ptr<Index> out_;
    std::uint32_t next_id_ = 1;
    std::uint64_t next_order_ = 0;
};

}  // namespace strata::ipsec
