#pragma once
// Result<T>: a value or an Error. Shaped like std::expected (C++23) so it can be swapped later.
// Every fallible function below the module boundaries returns one; exceptions never cross a module.
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace gocker {

// A small fixed set, in the manner of containerd's errdefs. Exactly one function maps a kind to an
// HTTP status (server/error_status) and one maps it to a CLI exit code.
enum class ErrorKind { NotFound, Conflict, InvalidArgument, NotModified, Unavailable, Internal };

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  int sys_errno = 0;
  std::string message;

  static Error from_errno(int err, const std::string& what);
  static Error not_found(std::string message) { return {ErrorKind::NotFound, 0, std::move(message)}; }
  static Error conflict(std::string message) { return {ErrorKind::Conflict, 0, std::move(message)}; }
  static Error invalid(std::string message) { return {ErrorKind::InvalidArgument, 0, std::move(message)}; }
  static Error internal(std::string message) { return {ErrorKind::Internal, 0, std::move(message)}; }
  static Error unavailable(std::string message) { return {ErrorKind::Unavailable, 0, std::move(message)}; }

  // Each layer prepends what it was doing: "create container \"web\": " + inner message.
  Error context(const std::string& what) const& {
    Error copy = *this;
    copy.message = what + ": " + message;
    return copy;
  }
  Error context(const std::string& what) && {
    message = what + ": " + message;
    return std::move(*this);
  }
};

const char* error_kind_name(ErrorKind kind);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : storage_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const { return storage_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(storage_); }
  const T& value() const& { return std::get<0>(storage_); }
  T&& value() && { return std::get<0>(std::move(storage_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(storage_); }
  Error&& error() && { return std::get<1>(std::move(storage_)); }

 private:
  std::variant<T, Error> storage_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), has_error_(true) {}

  bool has_value() const { return !has_error_; }
  explicit operator bool() const { return !has_error_; }
  void value() const {}
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool has_error_ = false;
};

using Status = Result<void>;

inline Status ok() { return {}; }

}  // namespace gocker

// Propagate an error with context; keeps call sites to one line where a step can fail.
#define GOCKER_TRY(expr)                          \
  do {                                            \
    auto gocker_try_result_ = (expr);             \
    if (!gocker_try_result_) return std::move(gocker_try_result_).error(); \
  } while (0)
