// gateway_ctl_text.hpp: `strata ctl` replies as text for people.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "gateway/control_protocol.hpp"

namespace strata::apps {

// format_ctl_text renders the `data` of a successful reply to `command`.
std::string format_ctl_text(gateway::Command command, const nlohmann::json& data);

}  // namespace strata::apps
