#include "ike/events.hpp"

#include <array>

namespace strata::ike {

std::string_view event_name(const Event& e) noexcept {
    // Indexed in the order of the Event variant's alternatives.
    static constexpr std::array<std::string_view, 8> kNames = {
        "ike-sa-up",        "ike-sa-down",   "ike-sa-rekeyed",  "child-sa-up",
        "child-sa-rekeyed", "child-sa-down", "child-sa-failed", "auth-failed"};
    static_assert(kNames.size() == std::variant_size_v<Event>);
    const std::size_t i = e.index();
    return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

}  // namespace strata::ike
