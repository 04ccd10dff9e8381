// exchange_child.cpp: CREATE_CHILD_SA (RFC 7296 §1.3).
#include "ike/v2/exchange_util.hpp"
#include "ike/v2/ike_sa.hpp"

namespace strata::ike::v2 {

// CREATE_CHILD_SA requests are answered NO_ADDITIONAL_SAS for now
// (RFC 7296 §1.3: the responder may refuse any further CHILD SA).
void IkeSa::handle_create_child_request(const Header& h, const std::vector<RawPayload>& /*pl*/, Output& out) {
    send_response(out, h.exchange, h.message_id, {notify(NotifyType::NoAdditionalSas)});
}

}  // namespace strata::ike::v2
