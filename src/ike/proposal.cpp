#include "ike/proposal.hpp"

namespace strata::ike {

std::string_view to_string(ProposalListError e) noexcept {
    switch (e) {
        case ProposalListError::Syntax: return "Syntax";
        case ProposalListError::MissingIntegrity: return "MissingIntegrity";
        case ProposalListError::MissingPrf: return "MissingPrf";
        case ProposalListError::MissingDh: return "MissingDh";
        case ProposalListError::PrfInEsp: return "PrfInEsp";
    }
    return "Unknown";
}

namespace {

bool all_aead(const crypto::Proposal& p) {
    for (const auto* e : p.encryption)
        if (!e->aead) return false;
    return true;
}

}  // namespace

core::Result<std::vector<crypto::Proposal>, ProposalListError> parse_proposals(std::string_view text,
                                                                               ProposalUse use,
                                                                               std::string* bad_token) {
    std::vector<crypto::Proposal> out;
    while (true) {
        const auto comma = text.find(',');
        std::string_view one = text.substr(0, comma);
        while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
        while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
        auto p = crypto::parse_proposal(one, bad_token);
        if (!p) return core::fail(ProposalListError::Syntax);
        auto fail_with = [&](ProposalListError e) {
            if (bad_token != nullptr) *bad_token = std::string(one);
            return core::fail(e);
        };
        if (p->integrity.empty() && !all_aead(*p)) return fail_with(ProposalListError::MissingIntegrity);
        if (use == ProposalUse::Ike) {
            if (p->prf.empty()) {
                // strongSwan derives the PRF from the integrity algorithm
                // ("aes256-sha256-ecp256" runs PRF_HMAC_SHA2_256).
                for (const auto* i : p->integrity) {
                    if (const auto* prf = crypto::find_prf("prf" + std::string(i->keyword)))
                        p->prf.push_back(prf);
                }
                if (p->prf.empty()) return fail_with(ProposalListError::MissingPrf);
            }
            if (p->dh.empty()) return fail_with(ProposalListError::MissingDh);
        } else if (!p->prf.empty()) {
            return fail_with(ProposalListError::PrfInEsp);
        }
        out.push_back(std::move(p).value());
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

std::string to_string(const NegotiatedIke& n) {
    std::string s = n.encryption != nullptr ? std::string(n.encryption->keyword) : "?";
    if (n.integrity != nullptr) s += "-" + std::string(n.integrity->keyword);
    if (n.prf != nullptr) s += "-" + std::string(n.prf->keyword);
    if (n.dh != nullptr) s += "-" + std::string(n.dh->keyword);
    return s;
}

std::string to_string(const NegotiatedChild& n) {
    std::string s = n.encryption != nullptr ? std::string(n.encryption->keyword) : "?";
    if (n.integrity != nullptr) s += "-" + std::string(n.integrity->keyword);
    if (n.dh != nullptr) s += "-" + std::string(n.dh->keyword);
    if (n.esn) s += "-esn";
    return s;
}

}  // namespace strata::ike
