#include "crypto/selftest.hpp"

namespace strata::crypto {

std::vector<KatResult> run_all_kats() {
    std::vector<KatResult> all = run_symmetric_kats();
    std::vector<KatResult> asym = run_asymmetric_kats();
    all.insert(all.end(), asym.begin(), asym.end());
    return all;
}

}  // namespace strata::crypto
