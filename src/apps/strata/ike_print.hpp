// ike_print.hpp: `strata ike` event output (one text line or one JSON object
// per event) and the Wireshark ikev2_decryption_table file.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ike/events.hpp"
#include "ike/v2/engine.hpp"

namespace strata::apps {

// event_json describes an event; SPIs as hex, algorithms by keyword and
// IANA number (so tests can compare them with swanctl --list-sas).
nlohmann::json event_json(const ike::Event& e);
// event_text is a one-line summary of an event.
std::string event_text(const ike::Event& e);
// stats_json is the engine's drop and probe counters as a "stats" event
// (printed when `strata ike` ends).
nlohmann::json stats_json(const ike::v2::EngineStats& s);
// sas_json lists the IKE and CHILD SAs an engine holds now (event "sas",
// printed on SIGUSR1): SPIs, state and algorithms, as event_json names them.
nlohmann::json sas_json(const std::vector<ike::v2::IkeInfo>& ike_sas,
                        const std::vector<ike::v2::ChildInfo>& children);
// write_ikev2_keylog writes one ikev2_decryption_table record per IKE SA;
// false if the file cannot be written. SAs whose algorithms Wireshark does
// not know are skipped.
bool write_ikev2_keylog(const std::string& path, const std::vector<ike::v2::KeyLogEntry>& entries);

}  // namespace strata::apps
