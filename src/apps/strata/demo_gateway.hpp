// demo_gateway.hpp: one security gateway of `strata demo` (C or D): its SPD,
// its SAD and the datapath between them, fed by IKE events or by hand.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "ike/child_sa.hpp"
#include "ipsec/processor.hpp"
#include "ipsec/sad.hpp"
#include "ipsec/spd.hpp"
#include "packet/address.hpp"

namespace strata::apps::demo {

// Passage is what the datapath made of one packet.
struct Passage {
    ipsec::PacketResult result;
    core::Bytes packet;  // the packet after processing (meaningful unless dropped)
};

class Gateway {
public:
    Gateway(std::string name, packet::IpAddress public_address, packet::IpPrefix lan,
            const core::Clock& clock);
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const packet::IpAddress& address() const noexcept { return address_; }
    [[nodiscard]] const packet::IpPrefix& lan() const noexcept { return lan_; }

    // install_child installs a negotiated CHILD SA pair (inbound and
    // outbound) under reqid; adds the SPD entries for its selectors the first
    // time a reqid is seen (RFC 4301 §4.4.1: the policy links to SAs by reqid).
    // Returns "" or why it failed.
    std::string install_child(const ike::ChildSaKeys& child, std::uint32_t reqid);
    // install_manual installs a manually keyed SA (RFC 4301 §4.5: manual keying).
    std::string install_manual(ipsec::SaConfig cfg);
    // add_policy adds one SPD entry; "" or why it failed.
    std::string add_policy(ipsec::Policy p);
    // remove_inbound removes the inbound SA with this SPI (after a rekey).
    bool remove_inbound(std::uint32_t spi, ipsec::Protocol protocol);
    // remove_outbound_older drops the outbound SAs of reqid other than spi.
    void remove_outbound_except(std::uint32_t reqid, std::uint32_t spi);

    // outbound runs one plaintext packet through the outbound path.
    Passage outbound(core::ByteView ip);
    // inbound runs one received packet through the inbound path.
    Passage inbound(core::ByteView ip);

    [[nodiscard]] ipsec::Sad& sad() noexcept { return sad_; }
    [[nodiscard]] const ipsec::Spd& spd() const noexcept { return spd_; }
    [[nodiscard]] const ipsec::Processor& processor() const noexcept { return *proc_; }

private:
    Passage run(core::ByteView ip, bool out);

    std::string name_;
    packet::IpAddress address_;
    packet::IpPrefix lan_;
    const core::Clock& clock_;
    ipsec::Sad sad_;
    ipsec::Spd spd_;
    std::unique_ptr<ipsec::Processor> proc_;
    std::vector<std::uint32_t> reqids_with_policies_;
    ipsec::PacketBuffer buf_;
};

// spd_lines returns the SPD as the lecture tabulates it, one line per policy.
std::vector<std::string> spd_lines(const ipsec::Spd& spd);
// sad_lines returns the SAD, one line per SA.
std::vector<std::string> sad_lines(const ipsec::Sad& sad);

}  // namespace strata::apps::demo
