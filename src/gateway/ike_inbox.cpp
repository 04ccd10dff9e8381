#include "gateway/ike_inbox.hpp"

namespace strata::gateway {

bool IkeInbox::push(InboxDatagram d) {
    {
        std::lock_guard<std::mutex> g(mu_);
        if (datagrams_.size() + events_.size() >= kMaxQueued) {
            overflows_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        datagrams_.push_back(std::move(d));
    }
    notifier_.notify();
    return true;
}

bool IkeInbox::push(InboxEvent e) {
    {
        std::lock_guard<std::mutex> g(mu_);
        if (datagrams_.size() + events_.size() >= kMaxQueued) {
            overflows_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        events_.push_back(e);
    }
    notifier_.notify();
    return true;
}

void IkeInbox::take(std::vector<InboxDatagram>& datagrams, std::vector<InboxEvent>& events) {
    std::lock_guard<std::mutex> g(mu_);
    datagrams.swap(datagrams_);
    events.swap(events_);
    datagrams_.clear();
    events_.clear();
}

}  // namespace strata::gateway
