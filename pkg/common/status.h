// File: pkg/common/status.h
//
// Status and Result<T>: the error currency across module boundaries (leveldb / abseil style).
// Adapters that call throwing libraries (cpprestsdk, libpqxx, yaml-cpp, nlohmann::json) catch
// at their boundary and return one of these instead.
//
// Thread-safety: values; safe to copy between threads, not to mutate concurrently.
#ifndef X3UI_PKG_COMMON_STATUS_H_
#define X3UI_PKG_COMMON_STATUS_H_

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace x3ui {

// One problem with one field of an input object, like a Kubernetes StatusCause:
// path "spec.capacity.maxUsers", message "must be at least 1".
struct FieldError {
  std::string path;
  std::string message;

  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,    // bad input; field_errors() says which fields
    kNotFound,
    kAlreadyExists,
    kConflict,           // optimistic-concurrency failure; re-read and retry
    kFailedPrecondition,
    kUnauthenticated,
    kPermissionDenied,
    kUnavailable,        // transport failure; retry later
    kDeadlineExceeded,
    kResourceExhausted,
    kInternal,
  };

  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  // An InvalidArgument whose message lists every field error, "; "-separated.
  // REQUIRES: !errors.empty()
  static Status Invalid(FieldErrors errors);
  // The same with a message of the caller's (e.g. one that locates each error in a file).
  static Status Invalid(FieldErrors errors, std::string message);
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {Code::kConflict, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {Code::kFailedPrecondition, std::move(msg)}; }
  static Status Unauthenticated(std::string msg) { return {Code::kUnauthenticated, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) { return {Code::kPermissionDenied, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) { return {Code::kDeadlineExceeded, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {Code::kResourceExhausted, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const FieldErrors& field_errors() const { return field_errors_; }

  // "InvalidArgument: spec.weight: must be at least 1"; "OK" when ok().
  std::string ToString() const;

  // A copy whose message is prefixed with `context + ": "`; field errors and reason are kept.
  Status WithContext(const std::string& context) const;

  // A machine-readable refinement of code(), like a Kubernetes StatusReason: "DuplicateEmail",
  // "LastClient", "EndpointMissing"... Empty when none applies.
  const std::string& reason() const { return reason_; }
  Status WithReason(std::string reason) const {
    Status s = *this;
    s.reason_ = std::move(reason);
    return s;
  }

  static const char* CodeName(Code code);

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
  FieldErrors field_errors_;
  std::string reason_;
};

// Holds either a T or a non-OK Status (absl::StatusOr). Check ok() before value().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // REQUIRES: !status.ok()
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error, or an OK status when a value is held. The reference lives as long as *this.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_STATUS_H_
