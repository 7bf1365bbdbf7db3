#pragma once
// The client's error model. The CLI sits on top of everything, so its errors are not wrapped
// further: each one is the single line the user sees, plus what kind of failure it was, because
// docker's exit code depends on both the command and the kind (a daemon error exits 125 from
// `run` but 1 from `ps`). Shaped like the daemon's Result<T> (and std::expected), which the client
// cannot include: it links only the api library.
#include <string>
#include <utility>
#include <variant>

namespace gocker::client {

enum class FailureKind {
  Usage,          // bad flags or arguments; docker exits 125
  CannotConnect,  // no daemon at the socket
  Daemon,         // the daemon answered with an error status
  Transport,      // the connection broke or the reply was not HTTP we understand
  Local,          // a local file, terminal or environment problem
};

struct Failure {
  FailureKind kind = FailureKind::Local;
  unsigned http_status = 0;  // for Daemon
  std::string message;       // the complete line to print, without a newline

  static Failure usage(std::string message) { return {FailureKind::Usage, 0, std::move(message)}; }
  static Failure local(std::string message) { return {FailureKind::Local, 0, std::move(message)}; }
  static Failure transport(std::string message) { return {FailureKind::Transport, 0, std::move(message)}; }
};

template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : storage_(std::in_place_index<0>, std::move(value)) {}
  Outcome(Failure failure) : storage_(std::in_place_index<1>, std::move(failure)) {}

  bool has_value() const { return storage_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(storage_); }
  const T& value() const& { return std::get<0>(storage_); }
  T&& value() && { return std::get<0>(std::move(storage_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const Failure& error() const& { return std::get<1>(storage_); }
  Failure&& error() && { return std::get<1>(std::move(storage_)); }

 private:
  std::variant<T, Failure> storage_;
};

template <>
class [[nodiscard]] Outcome<void> {
 public:
  Outcome() = default;
  Outcome(Failure failure) : failure_(std::move(failure)), failed_(true) {}
  bool has_value() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const Failure& error() const& { return failure_; }
  Failure&& error() && { return std::move(failure_); }

 private:
  Failure failure_;
  bool failed_ = false;
};

}  // namespace gocker::client
