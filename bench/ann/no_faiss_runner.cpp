// Stands in for the FAISS runner when FAISS is not installed: the benchmark then skips FAISS.
#include "runner.hpp"

namespace strata::bench {
std::unique_ptr<AnnRunner> make_faiss_runner() { return nullptr; }
}  // namespace strata::bench
