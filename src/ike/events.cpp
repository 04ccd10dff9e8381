#include "ike/events.hpp"

namespace strata::ike {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

std::string_view event_name(const Event& e) noexcept {
    return std::visit(Overloaded{
                          [](const IkeSaUp&) { return std::string_view("ike-sa-up"); },
                          [](const IkeSaDown&) { return std::string_view("ike-sa-down"); },
                          [](const IkeSaRekeyed&) { return std::string_view("ike-sa-rekeyed"); },
                          [](const ChildSaUp&) { return std::string_view("child-sa-up"); },
                          [](const ChildSaRekeyed&) { return std::string_view("child-sa-rekeyed"); },
                          [](const ChildSaDown&) { return std::string_view("child-sa-down"); },
                          [](const ChildSaFailed&) { return std::string_view("child-sa-failed"); },
                          [](const AuthFailed&) { return std::string_view("auth-failed"); },
                      },
                      e);
}

}  // namespace strata::ike
