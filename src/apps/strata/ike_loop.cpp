#include "apps/strata/ike_loop.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "apps/strata/ike_print.hpp"

namespace strata::apps {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_list{false};

extern "C" void on_ike_stop_signal(int /*sig*/) { g_stop.store(true); }
extern "C" void on_ike_list_signal(int /*sig*/) { g_list.store(true); }

void install_signals() {
    struct sigaction stop {};
    stop.sa_handler = on_ike_stop_signal;
    sigemptyset(&stop.sa_mask);
    sigaction(SIGTERM, &stop, nullptr);
    sigaction(SIGINT, &stop, nullptr);
    struct sigaction list {};
    list.sa_handler = on_ike_list_signal;
    sigemptyset(&list.sa_mask);
    sigaction(SIGUSR1, &list, nullptr);
}

// Printer sends the engine's datagrams and prints its events.
class Printer {
public:
    Printer(const IkeOptions& opts, IkeDriver& driver, IkeUdpSockets& sockets)
        : opts_(opts), driver_(driver), sockets_(sockets) {}

    void emit(const IkeStep& step) {
        for (const auto& d : step.datagrams) {
            if (!sockets_.send(d))
                fmt::print(stderr, "strata ike: send to {} failed\n", d.remote.address.to_string());
        }
        bool keys_changed = false;
        for (const auto& e : step.events) {
            if (opts_.json) {
                fmt::print("{}\n", event_json(e).dump());
            } else {
                fmt::print("{}\n", event_text(e));
            }
            if (std::holds_alternative<ike::IkeSaUp>(e) || std::holds_alternative<ike::IkeSaRekeyed>(e))
                keys_changed = true;
            if (peer_dead(e)) peer_dead_ = true;
            ++events_;
        }
        std::fflush(stdout);
        if (keys_changed && !opts_.keylog.empty() && !driver_.write_keylog(opts_.keylog))
            fmt::print(stderr, "strata ike: cannot write {}\n", opts_.keylog);
    }

    // line prints a non-event object (stats, sas): stdout with --json, else stderr.
    void line(const nlohmann::json& j) const {
        if (opts_.json) {
            fmt::print("{}\n", j.dump());
        } else {
            fmt::print(stderr, "strata ike: {}\n", j.dump());
        }
        std::fflush(stdout);
    }

    [[nodiscard]] unsigned events() const noexcept { return events_; }
    [[nodiscard]] bool peer_is_dead() const noexcept { return peer_dead_; }

private:
    const IkeOptions& opts_;
    IkeDriver& driver_;
    IkeUdpSockets& sockets_;
    unsigned events_ = 0;
    bool peer_dead_ = false;
};

}  // namespace

bool peer_dead(const ike::Event& e) {
    const auto* down = std::get_if<ike::IkeSaDown>(&e);
    if (down == nullptr) return false;
    // ike/v2 (ike_sa.cpp) says "dpd" or "retransmits exhausted", ike/v1
    // "dead peer (DPD)" or "retransmits exhausted".
    return down->reason == "dpd" || down->reason == "dead peer (DPD)" ||
           down->reason == "retransmits exhausted";
}

int run_ike_loop(const IkeOptions& opts, IkeDriver& driver, IkeUdpSockets& sockets) {
    Printer printer(opts, driver, sockets);
    core::RealClock clock;
    install_signals();

    const auto start = clock.now();
    if (opts.role == "initiator") printer.emit(driver.initiate(clock.now()));
    while (!g_stop.load()) {
        if (opts.events != 0 && printer.events() >= opts.events) {
            printer.line(driver.stats());
            return 0;
        }
        if (printer.peer_is_dead()) {
            fmt::print(stderr, "strata ike: the peer stopped answering\n");
            printer.line(driver.stats());
            return kExitPeerDead;
        }
        if (g_list.exchange(false)) {
            if (auto sas = driver.sas()) printer.line(*sas);
        }
        const auto now = clock.now();
        if (opts.timeout > 0 && now - start > std::chrono::duration<double>(opts.timeout)) {
            fmt::print(stderr, "strata ike: timeout after {} s with {} event(s)\n", opts.timeout,
                       printer.events());
            printer.line(driver.stats());
            return kExitTimeout;
        }
        auto wait = std::chrono::milliseconds(100);
        if (auto t = driver.next_timer()) {
            const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*t - now);
            if (until < wait) wait = std::max(until, std::chrono::milliseconds(0));
        }
        if (auto d = sockets.receive(wait)) printer.emit(driver.receive(std::move(*d), clock.now()));
        printer.emit(driver.on_timer(clock.now()));
    }
    // Tell the peer before going away.
    printer.emit(driver.shutdown(clock.now()));
    printer.line(driver.stats());
    return 0;
}

}  // namespace strata::apps
