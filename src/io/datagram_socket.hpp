// datagram_socket.hpp: UDP and raw IP sockets that move packets in batches.
//
// A DatagramSocket receives with recvmmsg and sends with sendmmsg, up to
// kMaxBatch datagrams per system call, into and out of buffers the caller
// owns; its message headers are allocated once, so a batch allocates
// nothing. One socket belongs to one thread.
//
// UDP sockets carry IKE and UDP-encapsulated ESP (RFC 3948) on port 4500;
// SO_REUSEPORT lets every worker own a socket on the same port, and the
// kernel spreads flows over them. A raw socket for IP protocol 50 carries
// plain ESP: over IPv4 each datagram received starts with the IP header
// (raw(7)); over IPv6 it starts at the ESP header (raw(7), ipv6(7)). What is
// sent is the ESP payload; the kernel writes the outer IP header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/bytes.hpp"
#include "io/endpoint.hpp"
#include "io/fd.hpp"
#include "io/recv_ancillary.hpp"

namespace strata::io {

// RecvSlot is one datagram to receive: the caller's buffer in, its length
// and sender out.
struct RecvSlot {
    core::MutableByteView buffer;
    std::size_t length = 0;
    Endpoint from;
    bool truncated = false;  // the datagram was longer than the buffer
    // What the kernel reported beside it: only what the socket asked for
    // (socket_options.hpp: receive_tos, receive_destination).
    RecvAncillary ancillary;
};

// SendSlot is one datagram to send.
struct SendSlot {
    core::ByteView data;
    Endpoint to;
};

// SendOutcome says what became of a batch: `sent` datagrams went out,
// `failed` were refused (last_error holds the last errno), the rest of the
// batch was not sent because the socket's buffer was full.
struct SendOutcome {
    std::size_t sent = 0;
    std::size_t failed = 0;
    int last_error = 0;
};

// UdpOptions tune a UDP socket at bind time.
struct UdpOptions {
    bool reuse_port = false;  // SO_REUSEPORT: several sockets on one port
    int receive_buffer = 0;   // SO_RCVBUF in bytes (0: the system's default)
    int send_buffer = 0;      // SO_SNDBUF
};

class DatagramSocket {
public:
    // kMaxBatch is the most datagrams one recv_batch/send_batch moves.
    static constexpr std::size_t kMaxBatch = 64;

    // bind_udp opens a non-blocking UDP socket bound to local.
    static IoResult<DatagramSocket> bind_udp(const Endpoint& local, const UdpOptions& opt = {});
    // open_raw opens a non-blocking raw socket for IP protocol `protocol`
    // over the version of `local`, bound to local's address.
    static IoResult<DatagramSocket> open_raw(const packet::IpAddress& local, std::uint8_t protocol,
                                             int receive_buffer = 0);

    DatagramSocket(DatagramSocket&&) noexcept;
    DatagramSocket& operator=(DatagramSocket&&) noexcept;
    ~DatagramSocket();

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    // discard_input attaches a socket filter that drops every datagram
    // received: for send-only raw sockets, which would otherwise queue a
    // copy of every packet of their protocol (raw(7)).
    core::Result<void, IoError> discard_input() noexcept;
    // local returns the bound address and port.
    [[nodiscard]] const Endpoint& local() const noexcept { return local_; }

    // recv_batch receives up to min(slots.size(), kMaxBatch) datagrams
    // without waiting; returns how many (0 when none are queued).
    IoResult<std::size_t> recv_batch(std::span<RecvSlot> slots) noexcept;
    // send_batch sends up to min(slots.size(), kMaxBatch) datagrams. A
    // datagram the kernel refuses (EMSGSIZE, ECONNREFUSED, ...) is skipped
    // and counted as failed; a full send buffer ends the batch early.
    SendOutcome send_batch(std::span<const SendSlot> slots) noexcept;

private:
    DatagramSocket(Fd fd, Endpoint local);
    struct Scratch;
    Fd fd_;
    Endpoint local_;
    std::unique_ptr<Scratch> scratch_;
};

// send_datagram sends one datagram on a UDP socket descriptor with
// sendto(2): safe from any thread, even on a socket another thread batches
// with (the gateway's IKE messages leave through a worker's port-4500
// socket). Fails with the errno of the refusal.
core::Result<void, IoError> send_datagram(int fd, core::ByteView data, const Endpoint& to) noexcept;

}  // namespace strata::io
