#pragma once
// Runs a cleanup unless dismissed: the type-safe form of runc's rollback defer. Acquire, guard on
// the next line, dismiss() last, so a failed multi-step operation leaves nothing behind.
#include <utility>

namespace gocker {

template <typename F>
class ScopeGuard {
 public:
  explicit ScopeGuard(F cleanup) : cleanup_(std::move(cleanup)) {}
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  ~ScopeGuard() {
    if (armed_) cleanup_();
  }
  void dismiss() { armed_ = false; }

 private:
  F cleanup_;
  bool armed_ = true;
};

}  // namespace gocker
