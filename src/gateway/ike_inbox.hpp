// ike_inbox.hpp: what the datapath workers hand to the IKE service.
//
// IKE runs on the main thread; the workers own the port-4500 sockets and
// the Processors. A worker pushes here the IKE messages that arrived on
// 4500 (non-ESP marker already stripped, RFC 3948 §2.2) and the datapath
// events IKE must act on (acquire: a PROTECT policy without SA; soft and
// hard lifetime), then wakes the main loop through the notifier. The queue
// is bounded: beyond kMaxQueued items, pushes are refused and counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/bytes.hpp"
#include "io/endpoint.hpp"
#include "io/notifier.hpp"
#include "ipsec/processor.hpp"

namespace strata::gateway {

// InboxDatagram is one IKE message received on the NAT-T port.
struct InboxDatagram {
    io::Endpoint local;
    io::Endpoint remote;
    core::Bytes data;  // without the non-ESP marker
};

// InboxEvent is one datapath event for IKE.
struct InboxEvent {
    ipsec::EventKind kind = ipsec::EventKind::Acquire;
    std::uint32_t reqid = 0;
    std::uint32_t spi = 0;  // lifetime events: the SA's SPI
    ipsec::Direction direction = ipsec::Direction::Inbound;
};

class IkeInbox {
public:
    static constexpr std::size_t kMaxQueued = 1024;

    // first_reqid: events for reqids below it concern manual SAs and stay
    // with the worker (logged); the IKE children's reqids start there.
    IkeInbox(io::Notifier notifier, std::uint32_t first_reqid)
        : notifier_(std::move(notifier)), first_reqid_(first_reqid) {}

    [[nodiscard]] std::uint32_t first_reqid() const noexcept { return first_reqid_; }

    // push queues an item and wakes the main loop; false (and counted) when full.
    bool push(InboxDatagram d);
    bool push(InboxEvent e);
    // take moves out everything queued.
    void take(std::vector<InboxDatagram>& datagrams, std::vector<InboxEvent>& events);
    [[nodiscard]] int fd() const noexcept { return notifier_.fd(); }
    void drain() const noexcept { notifier_.drain(); }
    [[nodiscard]] std::uint64_t overflows() const noexcept {
        return overflows_.load(std::memory_order_relaxed);
    }

private:
    io::Notifier notifier_;
    std::uint32_t first_reqid_;
    std::mutex mu_;
    std::vector<InboxDatagram> datagrams_;
    std::vector<InboxEvent> events_;
    std::atomic<std::uint64_t> overflows_{0};
};

}  // namespace strata::gateway
