// ike_udp.hpp: UDP sockets for `strata ike`: IKE on ports 500 and 4500 of
// one local address, with the RFC 3948 non-ESP marker on port 4500.
//
// This is the thin I/O edge around the sans-IO engine (the gateway's io
// layer will replace it): it binds, sends the engine's datagrams, and hands
// received IKE messages back as ike::v2::Datagram. ESP-in-UDP packets and
// NAT keepalives arriving on 4500 are counted and dropped (no datapath here).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "ike/v2/engine.hpp"
#include "packet/address.hpp"

namespace strata::apps {

// IkeUdpSockets owns the two sockets.
class IkeUdpSockets {
public:
    // open binds address:ike_port and address:natt_port; on failure error()
    // says why and the object is unusable.
    IkeUdpSockets(const packet::IpAddress& address, std::uint16_t ike_port, std::uint16_t natt_port);
    ~IkeUdpSockets();
    IkeUdpSockets(const IkeUdpSockets&) = delete;
    IkeUdpSockets& operator=(const IkeUdpSockets&) = delete;

    [[nodiscard]] bool ok() const noexcept { return error_.empty(); }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

    // send writes d from the socket bound to d.local.port (4500 adds the
    // four-byte zero non-ESP marker, RFC 3948 §2.2). false on a send error.
    bool send(const ike::v2::Datagram& d);
    // receive waits up to timeout for one IKE message on either socket.
    std::optional<ike::v2::Datagram> receive(std::chrono::milliseconds timeout);

    // dropped_non_ike counts ESP packets and keepalives seen on 4500.
    [[nodiscard]] std::uint64_t dropped_non_ike() const noexcept { return dropped_; }

private:
    int open_one(std::uint16_t port);
    packet::IpAddress address_;
    std::uint16_t ike_port_;
    std::uint16_t natt_port_;
    int fd_ike_ = -1;
    int fd_natt_ = -1;
    std::string error_;
    std::uint64_t dropped_ = 0;
};

}  // namespace strata::apps
