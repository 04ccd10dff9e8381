#include "gateway/control_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace strata::gateway {

struct ControlServer::Connection {
    io::Fd fd;
    std::string in;
    std::string out;
    bool closing = false;  // close once `out` is written
    std::chrono::steady_clock::time_point last_active;
};

ControlServer::ControlServer(io::EventLoop& loop, io::UnixListener listener, Handler handler)
    : loop_(loop), listener_(std::move(listener)), handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
    for (auto& [fd, c] : conns_) loop_.remove(fd);
    loop_.remove(listener_.fd());
}

io::IoResult<std::unique_ptr<ControlServer>> ControlServer::start(io::EventLoop& loop,
                                                                  const std::string& path, Handler handler) {
    auto l = io::UnixListener::listen(path, 0600);
    if (!l) return core::fail(l.error());
    std::unique_ptr<ControlServer> s(new ControlServer(loop, std::move(l).value(), std::move(handler)));
    ControlServer* self = s.get();
    auto r = loop.add(self->listener_.fd(), io::kReadable, [self](std::uint32_t) { self->on_accept(); });
    if (!r) return core::fail(r.error());
    return s;
}

void ControlServer::on_accept() {
    for (;;) {
        io::Fd fd = listener_.accept();
        if (!fd.valid()) return;
        if (conns_.size() >= kMaxConnections) {
            static constexpr std::string_view kBusy = R"({"ok":false,"error":"too many control connections"})"
                                                      "\n";
            (void)!::send(fd.get(), kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            continue;  // fd closes here
        }
        const int raw = fd.get();
        auto c = std::make_unique<Connection>();
        c->fd = std::move(fd);
        c->last_active = std::chrono::steady_clock::now();
        auto r = loop_.add(raw, io::kReadable, [this, raw](std::uint32_t ev) { on_ready(raw, ev); });
        if (!r) continue;
        conns_.emplace(raw, std::move(c));
    }
}

nlohmann::json ControlServer::reply_for(std::string_view line) {
    auto req = parse_request(line);
    if (!req) {
        ++errors_;
        return nlohmann::json{{"ok", false}, {"error", std::string(to_string(req.error()))}};
    }
    try {
        return handler_(*req);
    } catch (const std::exception& e) {
        ++errors_;
        return nlohmann::json{{"ok", false}, {"error", std::string("internal error: ") + e.what()}};
    }
}

void ControlServer::on_ready(int fd, std::uint32_t events) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    Connection& c = *it->second;
    c.last_active = std::chrono::steady_clock::now();
    if ((events & io::kWritable) != 0) {
        flush(c);
        if (conns_.find(fd) == conns_.end()) return;
    }
    if ((events & (io::kReadable | io::kHangup | io::kError)) == 0 || c.closing) return;
    std::array<char, 1024> buf{};
    bool peer_closed = false;
    for (;;) {
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n > 0) {
            c.in.append(buf.data(), static_cast<std::size_t>(n));
            if (c.in.size() > 4 * kMaxRequestLine) break;
            continue;
        }
        if (n == 0) peer_closed = true;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) peer_closed = true;
        break;
    }
    // Answer every complete line.
    std::size_t start = 0;
    for (;;) {
        const std::size_t nl = c.in.find('\n', start);
        if (nl == std::string::npos) break;
        const std::string_view line(c.in.data() + start, nl - start);
        c.out += reply_for(line).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
        c.out += '\n';
        start = nl + 1;
    }
    c.in.erase(0, start);
    if (c.in.size() > kMaxRequestLine) {
        // A line that never ends: answer once and hang up.
        ++errors_;
        c.out +=
            nlohmann::json{{"ok", false}, {"error", std::string(to_string(ProtocolError::TooLong))}}.dump();
        c.out += '\n';
        c.in.clear();
        c.closing = true;
    }
    if (peer_closed) {
        // The client closed its side; a partial last line still gets an answer.
        if (!c.in.empty()) {
            c.out += reply_for(c.in).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
            c.out += '\n';
            c.in.clear();
        }
        c.closing = true;
    }
    flush(c);
}

void ControlServer::flush(Connection& c) {
    const int fd = c.fd.get();
    while (!c.out.empty()) {
        const ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            c.out.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            (void)loop_.modify(fd, io::kReadable | io::kWritable);
            return;
        }
        close(fd);  // the client went away
        return;
    }
    if (c.closing) {
        close(fd);
        return;
    }
    (void)loop_.modify(fd, io::kReadable);
}

void ControlServer::close(int fd) {
    loop_.remove(fd);
    conns_.erase(fd);
}

void ControlServer::sweep(std::chrono::steady_clock::time_point now) {
    std::vector<int> idle;
    for (const auto& [fd, c] : conns_) {
        if (now - c->last_active > kIdleTimeout) idle.push_back(fd);
    }
    for (int fd : idle) close(fd);
}

}  // namespace strata::gateway
