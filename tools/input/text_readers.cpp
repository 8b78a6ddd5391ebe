// Streaming readers of the text vector formats: CSV and JSON Lines, one record per line.
#include <fmt/format.h>

#include "input/line_reader.hpp"
#include "input/readers.hpp"
#include "input/text_parsers.hpp"

namespace strata::cli::detail {

namespace {

// Shared line loop; Parser turns one line into an optional record.
template <typename Parser>
class LineRecordReader final : public VectorReader {
 public:
  LineRecordReader(std::unique_ptr<std::istream> in, std::string source, const ReaderOptions& options,
                   Parser parser)
      : in_(std::move(in)),
        lines_(*in_),
        source_(std::move(source)),
        options_(options),
        parser_(std::move(parser)) {}

  Result<bool> next(VectorEntry& entry) override {
    for (;;) {
      Result<bool> more = lines_.next(line_);
      if (!more) return Status(more.status().code(), fmt::format("{}: {}", source_, more.status().message()));
      if (!*more) return false;
      Result<std::optional<ParsedRecord>> record = parser_(line_);
      if (!record) {
        return Status(record.status().code(),
                      fmt::format("{}:{}: {}", source_, lines_.line_number(), record.status().message()));
      }
      if (!record->has_value()) continue;
      ParsedRecord& r = **record;
      entry.id = r.id ? std::move(*r.id) : std::to_string(options_.id_offset + index_);
      entry.vector = std::move(r.vector);
      entry.metadata = std::move(r.metadata);
      ++index_;
      return true;
    }
  }

  std::uint64_t bytes_read() const override { return lines_.bytes_read(); }

 private:
  std::unique_ptr<std::istream> in_;
  LineReader lines_;
  std::string source_;
  ReaderOptions options_;
  Parser parser_;
  std::string line_;
  std::uint64_t index_ = 0;
};

template <typename Parser>
std::unique_ptr<VectorReader> make_line_reader(std::unique_ptr<std::istream> in, std::string source,
                                               const ReaderOptions& options, Parser parser) {
  return std::make_unique<LineRecordReader<Parser>>(std::move(in), std::move(source), options,
                                                    std::move(parser));
}

}  // namespace

std::unique_ptr<VectorReader> make_csv_reader(std::unique_ptr<std::istream> in, std::string source,
                                              const ReaderOptions& options) {
  return make_line_reader(std::move(in), std::move(source), options,
                          [csv = CsvRowParser(options.dimensions)](std::string_view line) mutable {
                            return csv.parse_line(line);
                          });
}

std::unique_ptr<VectorReader> make_jsonl_reader(std::unique_ptr<std::istream> in, std::string source,
                                                const ReaderOptions& options) {
  return make_line_reader(std::move(in), std::move(source), options,
                          [dimensions = options.dimensions](std::string_view line) {
                            return parse_jsonl_record(line, dimensions);
                          });
}

}  // namespace strata::cli::detail
