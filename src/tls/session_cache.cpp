// session_cache.cpp: the shared, bounded, expiring session cache.
#include "tls/session_cache.hpp"

#include <algorithm>

namespace strata::tls {

Session Session::clone() const {
    Session s;
    s.version = version;
    s.cipher_suite = cipher_suite;
    s.secret = secret.clone();
    s.extended_master_secret = extended_master_secret;
    s.peer_certificates = peer_certificates;
    s.peer_subject = peer_subject;
    s.alpn = alpn;
    s.server_name = server_name;
    s.session_id = session_id;
    s.ticket = ticket;
    s.ticket_lifetime = ticket_lifetime;
    s.ticket_age_add = ticket_age_add;
    s.ticket_nonce = ticket_nonce;
    s.created = created;
    return s;
}

SessionCache::SessionCache(const core::Clock& clock, SessionCacheConfig config)
    : clock_(clock), config_(config) {}

void SessionCache::store(Lru& side, std::size_t capacity, std::string key, Session s) {
    if (capacity == 0) return;
    // The entry lives for the cache lifetime, or less if the session's own
    // lifetime (a ticket's) is shorter.
    std::chrono::seconds life = config_.lifetime;
    if (s.ticket_lifetime != 0) life = std::min(life, std::chrono::seconds(s.ticket_lifetime));
    const core::Instant expires = clock_.now() + life;
    auto shared = std::make_shared<const Session>(std::move(s));

    const std::lock_guard lock(mu_);
    ++stats_.stored;
    if (auto it = side.index.find(key); it != side.index.end()) {
        side.order.erase(it->second);
        side.index.erase(it);
    }
    side.order.push_front(Entry{key, std::move(shared), expires});
    side.index.emplace(std::move(key), side.order.begin());
    while (side.order.size() > capacity) {
        side.index.erase(side.order.back().key);
        side.order.pop_back();
        ++stats_.evictions;
    }
}

std::shared_ptr<const Session> SessionCache::find(Lru& side, const std::string& key) {
    const core::Instant now = clock_.now();
    const std::lock_guard lock(mu_);
    auto it = side.index.find(key);
    if (it == side.index.end()) {
        ++stats_.misses;
        return nullptr;
    }
    if (now >= it->second->expires) {
        side.order.erase(it->second);
        side.index.erase(it);
        ++stats_.expired;
        ++stats_.misses;
        return nullptr;
    }
    side.order.splice(side.order.begin(), side.order, it->second);  // most recently used
    ++stats_.hits;
    return it->second->session;
}

void SessionCache::remove(Lru& side, const std::string& key) {
    const std::lock_guard lock(mu_);
    auto it = side.index.find(key);
    if (it == side.index.end()) return;
    side.order.erase(it->second);
    side.index.erase(it);
    ++stats_.removed;
}

namespace {
std::string id_key(core::ByteView id) { return std::string(id.begin(), id.end()); }
}  // namespace

void SessionCache::store_server(core::ByteView session_id, Session s) {
    if (session_id.empty()) return;
    store(server_, config_.server_capacity, id_key(session_id), std::move(s));
}

std::shared_ptr<const Session> SessionCache::find_server(core::ByteView session_id) {
    if (session_id.empty()) {
        const std::lock_guard lock(mu_);
        ++stats_.misses;
        return nullptr;
    }
    return find(server_, id_key(session_id));
}

void SessionCache::remove_server(core::ByteView session_id) { remove(server_, id_key(session_id)); }

void SessionCache::store_client(std::string_view peer, Session s) {
    store(client_, config_.client_capacity, std::string(peer), std::move(s));
}

std::shared_ptr<const Session> SessionCache::find_client(std::string_view peer) {
    return find(client_, std::string(peer));
}

void SessionCache::remove_client(std::string_view peer) { remove(client_, std::string(peer)); }

std::size_t SessionCache::server_size() const {
    const std::lock_guard lock(mu_);
    return server_.order.size();
}

std::size_t SessionCache::client_size() const {
    const std::lock_guard lock(mu_);
    return client_.order.size();
}

SessionCacheStats SessionCache::stats() const {
    const std::lock_guard lock(mu_);
    return stats_;
}

}  // namespace strata::tls
