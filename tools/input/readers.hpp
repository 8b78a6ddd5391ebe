// The concrete VectorReader of each input format (internal to tools/input; use vector_reader.hpp).
#pragma once

#include <istream>
#include <memory>
#include <string>

#include "input/vector_reader.hpp"

namespace strata::cli::detail {

std::unique_ptr<VectorReader> make_fvecs_reader(std::unique_ptr<std::istream> in, std::string source,
                                                const ReaderOptions& options);
std::unique_ptr<VectorReader> make_bvecs_reader(std::unique_ptr<std::istream> in, std::string source,
                                                const ReaderOptions& options);
Result<std::unique_ptr<VectorReader>> make_npy_reader(std::unique_ptr<std::istream> in, std::string source,
                                                      const ReaderOptions& options);
std::unique_ptr<VectorReader> make_csv_reader(std::unique_ptr<std::istream> in, std::string source,
                                              const ReaderOptions& options);
std::unique_ptr<VectorReader> make_jsonl_reader(std::unique_ptr<std::istream> in, std::string source,
                                                const ReaderOptions& options);

}  // namespace strata::cli::detail
