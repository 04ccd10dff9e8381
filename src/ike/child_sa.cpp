#include "ike/child_sa.hpp"

namespace strata::ike {

std::pair<ipsec::SaConfig, ipsec::SaConfig> ChildSaKeys::to_sa_configs() const {
    auto make = [&](bool inbound) {
        ipsec::SaConfig c;
        c.spi = inbound ? spi_in : spi_out;
        c.reqid = reqid;
        c.direction = inbound ? ipsec::Direction::Inbound : ipsec::Direction::Outbound;
        c.protocol = protocol;
        c.mode = mode;
        c.src = inbound ? remote : local;
        c.dst = inbound ? local : remote;
        c.encryption = algorithms.encryption;
        c.encryption_key = (inbound ? encryption_key_in : encryption_key_out).clone();
        c.integrity = algorithms.integrity;
        c.integrity_key = (inbound ? integrity_key_in : integrity_key_out).clone();
        c.esn = algorithms.esn;
        c.selectors =
            to_ipsec_selectors(local_ts, remote_ts);  // local/remote from this host's side both ways
        if (udp_encap) {
            c.udp_encap =
                inbound ? ipsec::UdpEncapsulation{udp_encap->dst_port, udp_encap->src_port} : *udp_encap;
        }
        return c;
    };
    return {make(true), make(false)};
}

}  // namespace strata::ike
