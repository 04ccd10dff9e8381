// worker.hpp: one datapath thread.
//
// A worker owns one TUN queue, one UDP socket on the NAT-T port per gateway
// address (SO_REUSEPORT: the kernel spreads peers over the workers), a raw
// ESP socket per address to send on (and a raw AH one per address),
// and (worker 0 only) the raw sockets that receive plain ESP and AH. IKE messages arriving on the NAT-T port
// and the datapath events IKE acts on (acquire, lifetimes) go to the main thread's IKE service through an
// IkeInbox. It reads a batch from whichever is ready, runs it through its own ipsec::Processor and writes the
// results: plaintext from the TUN leaves as ESP, ESP from the network enters the TUN. Buffers are allocated
// once; a batch allocates nothing.
//
// Sharing SAs: an SA's cipher context and replay window are not thread-safe
// (docs/decisions.md, "SAD sharing"), so all outbound processing is
// serialised by one lock and all inbound processing by another; reads and
// writes of the TUN device and the sockets, the system calls that cost the
// most, run in parallel. docs/decisions.md ("Gateway threads") says why.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "gateway/counters.hpp"
#include "gateway/datapath.hpp"
#include "gateway/ike_inbox.hpp"
#include "gateway/log.hpp"
#include "io/datagram_socket.hpp"
#include "io/event_loop.hpp"
#include "ipsec/processor.hpp"

namespace strata::gateway {

// DatapathHandle publishes the current Datapath to the workers.
class DatapathHandle {
public:
    // publish makes dp the generation workers switch to at their next batch.
    void publish(std::shared_ptr<const Datapath> dp);
    // current returns the newest generation.
    [[nodiscard]] std::shared_ptr<const Datapath> current() const;
    [[nodiscard]] std::uint64_t generation() const noexcept {
        return generation_.load(std::memory_order_acquire);
    }

    // The locks that serialise use of outbound and of inbound SAs.
    std::mutex outbound_mu;
    std::mutex inbound_mu;

private:
    mutable std::mutex mu_;
    std::shared_ptr<const Datapath> dp_;
    std::atomic<std::uint64_t> generation_{0};
};

// WorkerSockets are the descriptors one worker uses.
struct WorkerSockets {
    int tun_fd = -1;                           // this worker's TUN queue (owned by the TunDevice)
    std::vector<io::DatagramSocket> udp;       // NAT-T port, one per gateway address
    std::vector<io::DatagramSocket> esp_send;  // raw ESP, one per gateway address (input filtered out)
    std::vector<io::DatagramSocket> esp_recv;  // raw ESP receivers (worker 0)
    // Manual AH SAs: raw protocol-51 sockets with IP_HDRINCL / IPV6_HDRINCL,
    // as AH authenticates the outer header (one per gateway address, input
    // filtered out), and the receivers (worker 0; the IPv6 ones report the
    // destination and traffic class, socket_options.hpp).
    std::vector<io::DatagramSocket> ah_send;
    std::vector<io::DatagramSocket> ah_recv;
};

class Worker {
public:
    static constexpr std::size_t kBatch = 64;

    // inbox (may be null: no IKE peers) receives IKE messages and events.
    Worker(std::size_t index, WorkerSockets sockets, DatapathHandle& dp, const core::Clock& clock,
           Logger& log, IkeInbox* inbox = nullptr);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // start runs the worker on its own thread.
    io::IoResult<bool> start();
    // stop asks the thread to finish its batch and return; join waits for it.
    void stop() noexcept;
    void join();

    [[nodiscard]] const WorkerCounters& counters() const noexcept { return counters_; }
    // processor_drop returns the Processor's count for d, over every
    // datapath generation this worker used.
    [[nodiscard]] std::uint64_t processor_drop(ipsec::Drop d) const;
    // udp_fd returns the descriptor of the NAT-T socket on address a (-1: none),
    // for IKE messages the main thread sends from that port.
    [[nodiscard]] int udp_fd(const packet::IpAddress& a) const noexcept;

private:
    void run();
    void refresh();  // switch to a newer Datapath (holding a datapath lock)
    void on_tun();
    void on_udp(io::DatagramSocket& s);
    // on_raw reads ESP (protocol 50) or AH (51) from a raw socket.
    void on_raw(io::DatagramSocket& s, std::uint8_t protocol);
    void inbound_batch(std::size_t n);
    void send_protected(std::size_t n);
    void drain_events();

    std::size_t index_;
    WorkerSockets sockets_;
    DatapathHandle& handle_;
    const core::Clock& clock_;
    Logger& log_;
    IkeInbox* inbox_;
    std::unique_ptr<io::EventLoop> loop_;
    std::thread thread_;
    WorkerCounters counters_;

    // Datapath generation in use and its Processor.
    std::uint64_t generation_ = 0;
    std::shared_ptr<const Datapath> dp_;
    mutable std::mutex proc_mu_;  // guards proc_ and retired_ against readers on other threads
    std::unique_ptr<ipsec::Processor> proc_;
    std::array<std::uint64_t, ipsec::kDropReasons> retired_{};

    // Batch state, allocated once.
    std::vector<ipsec::PacketBuffer> bufs_;
    std::vector<ipsec::PacketBuffer*> ptrs_;
    std::vector<ipsec::PacketResult> results_;
    std::vector<io::RecvSlot> slots_;
    std::vector<std::vector<io::SendSlot>> udp_out_;  // per udp socket
    std::vector<std::vector<io::SendSlot>> esp_out_;  // per esp_send socket
    std::vector<std::vector<io::SendSlot>> ah_out_;   // per ah_send socket
    // The outer TOS (DSCP and ECN) of each queued datagram (RFC 6040 §4.1,
    // RFC 4301 §5.1.2.1), and the TOS each socket's IP_TOS / IPV6_TCLASS is
    // set to now (the kernel writes it).
    std::vector<std::vector<std::uint8_t>> udp_tos_out_;
    std::vector<std::vector<std::uint8_t>> esp_tos_out_;
    std::vector<std::uint8_t> udp_tos_;
    std::vector<std::uint8_t> esp_tos_;
};

}  // namespace strata::gateway
