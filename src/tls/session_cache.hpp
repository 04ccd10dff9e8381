// session_cache.hpp: TLS sessions that outlive their connections.
//
// A Session is what a later connection needs to resume without the full
// handshake: the version and cipher suite, the TLS 1.2 master secret or the
// TLS 1.3 resumption PSK, and what was authenticated and negotiated.
//
// SessionCache is shared by every connection of a configuration (thread-safe):
//   server side, keyed by the TLS 1.2 session ID (RFC 5246 §7.4.1.2, the
//     abbreviated handshake of §7.3);
//   client side, keyed by the peer ("host:port"), one session per peer, the
//     newest (a TLS 1.3 ticket or a TLS 1.2 session ID / ticket).
// Each side is bounded (least recently used entries are evicted first) and
// entries expire after the cache lifetime or the session's own lifetime,
// whichever is shorter. A connection that fails removes the session it used
// (RFC 5246 §7.2.2: a fatal alert invalidates the session). Time comes from
// a core::Clock, so tests drive it with a ManualClock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"

namespace strata::tls {

// Session is one resumable session.
struct Session {
    std::uint16_t version = 0;       // kTls12 or kTls13
    std::uint16_t cipher_suite = 0;  // IANA id
    // secret is the TLS 1.2 master secret (48 bytes, RFC 5246 §8.1) or the
    // TLS 1.3 resumption PSK (HashLen bytes, RFC 8446 §4.6.1).
    core::SecretBytes secret;
    bool extended_master_secret = false;         // RFC 7627: the master secret came from the session hash
    std::vector<core::Bytes> peer_certificates;  // DER, leaf first (empty: none sent)
    // peer_subject is the leaf's subject as Negotiated::peer_subject shows it,
    // kept so that a resumed connection need not parse the certificate again
    // ("" if none, or not recorded).
    std::string peer_subject;
    std::string alpn;         // "" for none
    std::string server_name;  // SNI the session was made for
    core::Bytes session_id;   // TLS 1.2 session ID (<=32 bytes), may be empty
    // TLS 1.3 ticket (client side) or TLS 1.2 ticket (RFC 5077), as received.
    core::Bytes ticket;
    std::uint32_t ticket_lifetime = 0;  // seconds (TLS 1.3 ticket_lifetime / TLS 1.2 lifetime hint)
    std::uint32_t ticket_age_add = 0;   // RFC 8446 §4.6.1
    core::Bytes ticket_nonce;           // RFC 8446 §4.6.1
    core::WallTime created{};           // when the session was established (clock.wall_now())

    // clone returns an independent copy (the secret is copied explicitly).
    [[nodiscard]] Session clone() const;
};

// SessionCacheConfig sets the bounds of a SessionCache.
struct SessionCacheConfig {
    std::size_t server_capacity = 1024;   // sessions kept on the server side
    std::size_t client_capacity = 256;    // peers remembered on the client side
    std::chrono::seconds lifetime{7200};  // longest time an entry is kept (RFC 5246 suggests <= 24 h)
};

// SessionCacheStats counts what a SessionCache did (both sides together).
struct SessionCacheStats {
    std::uint64_t hits = 0;       // a lookup found a live session
    std::uint64_t misses = 0;     // a lookup found nothing (or only an expired session)
    std::uint64_t evictions = 0;  // a session pushed out by capacity (LRU)
    std::uint64_t expired = 0;    // a session dropped because it outlived its lifetime
    std::uint64_t removed = 0;    // a session removed by remove_* (a failed connection)
    std::uint64_t stored = 0;     // store_* calls
};

// SessionCache holds sessions for many connections. Every member is
// thread-safe. Lookups hand out shared, immutable sessions.
class SessionCache {
public:
    // SessionCache(clock, config): clock must outlive the cache.
    explicit SessionCache(const core::Clock& clock, SessionCacheConfig config = {});

    SessionCache(const SessionCache&) = delete;
    SessionCache& operator=(const SessionCache&) = delete;

    // store_server remembers s under session_id (server side), replacing an
    // entry with the same ID. An empty session_id is ignored (RFC 5246
    // §7.4.1.3: an empty ID means the session will not be cached).
    void store_server(core::ByteView session_id, Session s);
    // find_server returns the live session of session_id (and marks it
    // recently used), or null.
    std::shared_ptr<const Session> find_server(core::ByteView session_id);
    // remove_server forgets session_id.
    void remove_server(core::ByteView session_id);

    // store_client remembers s as the session to resume with peer
    // ("host:port"), replacing the previous one.
    void store_client(std::string_view peer, Session s);
    // find_client returns the live session for peer (and marks it recently
    // used), or null.
    std::shared_ptr<const Session> find_client(std::string_view peer);
    // remove_client forgets peer's session.
    void remove_client(std::string_view peer);

    // server_size / client_size return the number of entries held (expired
    // entries not yet looked up included).
    [[nodiscard]] std::size_t server_size() const;
    [[nodiscard]] std::size_t client_size() const;
    // stats returns the counters.
    [[nodiscard]] SessionCacheStats stats() const;
    // config returns the bounds.
    [[nodiscard]] const SessionCacheConfig& config() const noexcept { return config_; }

private:
    struct Entry {
        std::string key;
        std::shared_ptr<const Session> session;
        core::Instant expires;
    };
    // Lru is one side: a recency list (front = most recent) and an index.
    struct Lru {
        std::list<Entry> order;
        std::unordered_map<std::string, std::list<Entry>::iterator> index;
    };

    void store(Lru& side, std::size_t capacity, std::string key, Session s);
    std::shared_ptr<const Session> find(Lru& side, const std::string& key);
    void remove(Lru& side, const std::string& key);

    const core::Clock& clock_;
    SessionCacheConfig config_;
    mutable std::mutex mu_;
    Lru server_;
    Lru client_;
    SessionCacheStats stats_;
};

}  // namespace strata::tls
