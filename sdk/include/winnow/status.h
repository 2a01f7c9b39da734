// winnow/status.h — how success and failure cross the plugin boundary.
//
// Every fallible SDK or plugin call returns a Status or a Result<T>. Both are
// [[nodiscard]]: ignoring one is a compile warning. Exceptions never cross the
// plugin boundary; the host wraps each plugin call and turns a stray exception
// into Status::Internal tagged with the step name.
//
// A Status is cheap to copy when OK (no allocation). Messages are full
// sentences meant for a user: say what was expected, what was found, where.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace winnow {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad configuration or a bad call
  kNotFound,         // a file, key, plugin or remote object that does not exist
  kCorruption,       // input that does not follow its format
  kIOError,          // the operating system or a peer failed
  kUnavailable,      // transient: retrying later may succeed (HTTP 429/5xx, timeouts)
  kPermissionDenied, // authentication or authorisation refused
  kCancelled,        // the run was interrupted (Ctrl-C, a failing rank)
  kUnimplemented,    // a valid request this build does not support
  kInternal,         // a bug: an invariant did not hold
};

// Short stable name of a code ("invalid_argument", ...), used in reports.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "<code name>: <message>", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(std::string_view context) const;

  // Explicitly discard (for best-effort cleanup paths).
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace winnow

// Propagate a non-OK Status from an expression returning Status.
#define WINNOW_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::winnow::Status _winnow_st = (expr);       \
    if (!_winnow_st.ok()) return _winnow_st;    \
  } while (0)

#define WINNOW_CONCAT_INNER(a, b) a##b
#define WINNOW_CONCAT(a, b) WINNOW_CONCAT_INNER(a, b)

// `WINNOW_ASSIGN_OR_RETURN(auto x, MakeX());` — unwrap a Result or return its Status.
#define WINNOW_ASSIGN_OR_RETURN(lhs, expr) \
  WINNOW_ASSIGN_OR_RETURN_IMPL(WINNOW_CONCAT(_winnow_res_, __LINE__), lhs, expr)
#define WINNOW_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
