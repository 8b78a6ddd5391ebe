// Status and Result<T>: how every fallible strata call reports success or failure.
// No exception crosses the public API; callers inspect these values instead.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace strata {

// The category of a failure. Codes are stable: adapters map them onto their own errors.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller passed something malformed (wrong dimension, NaN, bad JSON)
  kNotFound,           // an id or file that does not exist
  kAlreadyExists,      // creating something that is already there
  kCorruption,         // stored data failed a check; the message names the file
  kIOError,            // the operating system refused a read, write or mapping
  kResourceExhausted,  // disk full, out of memory, or a configured limit reached
  kBusy,               // another process holds the database for writing
  kNotSupported,       // a valid request this build or mode cannot serve
  kInternal,           // a broken invariant inside strata; please report it
};

// Returns the short name of a code, e.g. "InvalidArgument".
std::string_view status_code_name(StatusCode code) noexcept;

// The outcome of an operation: OK, or a code with a message that names the problem.
// Thread safety: a Status is a value; distinct objects may be used from distinct threads.
class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() noexcept { return Status(); }
  static Status invalid_argument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status not_found(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status already_exists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status io_error(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status resource_exhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status busy(std::string msg) { return {StatusCode::kBusy, std::move(msg)}; }
  static Status not_supported(std::string msg) { return {StatusCode::kNotSupported, std::move(msg)}; }
  static Status internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool is_ok() const noexcept { return code_ == StatusCode::kOk; }
  explicit operator bool() const noexcept { return is_ok(); }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  // "InvalidArgument: vector has 3 dimensions, the database expects 128"; "OK" when ok.
  std::string to_string() const;

  friend bool operator==(const Status& a, const Status& b) noexcept { return a.code_ == b.code_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value of type T or a non-OK Status. Modelled on std::expected (C++23).
// Thread safety: a value type; distinct objects may be used from distinct threads.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    assert(!std::get<1>(state_).is_ok() && "a Result built from a Status must carry an error");
  }

  bool is_ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return is_ok(); }

  // The error; Status::ok() when the result holds a value.
  Status status() const { return is_ok() ? Status::ok() : std::get<1>(state_); }

  // REQUIRES: is_ok().
  T& value() & {
    assert(is_ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(is_ok());
    return std::get<0>(state_);
  }
  // By value, so `for (auto& x : *db.search(q))` does not dangle.
  T value() && {
    assert(is_ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace strata

// Propagates a non-OK Status from an expression to the caller.
#define STRATA_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::strata::Status strata_status_ = (expr);           \
    if (!strata_status_.is_ok()) return strata_status_; \
  } while (false)
