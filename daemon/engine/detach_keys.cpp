#include "engine/detach_keys.hpp"

#include "base/strings.hpp"

namespace gocker::engine {

namespace {

Result<char> parse_key(std::string_view key) {
  if (key.size() == 1) return key.front();
  constexpr std::string_view kCtrl = "ctrl-";
  if (key.size() == kCtrl.size() + 1 && key.substr(0, kCtrl.size()) == kCtrl) {
    char c = key.back();
    if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 1);
    switch (c) {
      case '@': return '\0';
      case '[': return '\x1b';
      case '\\': return '\x1c';
      case ']': return '\x1d';
      case '^': return '\x1e';
      case '_': return '\x1f';
      default: break;
    }
  }
  return Error::invalid("Invalid detach keys (" + std::string(key) + ") provided");
}

}  // namespace

Result<std::string> parse_detach_keys(std::string_view text) {
  std::string sequence;
  // A plain split on commas, as moby's: "," itself cannot be a key.
  for (const std::string& key : split(text, ',')) {
    auto byte = parse_key(key);
    if (!byte) return std::move(byte).error();
    sequence += *byte;
  }
  if (sequence.empty()) return Error::invalid("Invalid detach keys () provided");
  return sequence;
}

DetachKeyScanner::Outcome DetachKeyScanner::scan(std::string_view input) {
  Outcome outcome;
  for (char c : input) {
    if (c == sequence_[matched_]) {
      if (++matched_ == sequence_.size()) {
        matched_ = 0;
        outcome.detached = true;
        return outcome;
      }
      continue;
    }
    // The held-back prefix did not become the sequence: release it, then look at `c` afresh (it
    // may start a new match, as in ctrl-p ctrl-p ctrl-q). Sequences are a few keys, so restarting
    // at the first key is enough; docker's proxy does the same.
    outcome.forward.append(sequence_, 0, matched_);
    matched_ = 0;
    if (c == sequence_[0]) {
      matched_ = 1;
      if (matched_ == sequence_.size()) {
        matched_ = 0;
        outcome.detached = true;
        return outcome;
      }
    } else {
      outcome.forward += c;
    }
  }
  return outcome;
}

std::string DetachKeyScanner::flush() {
  std::string held = sequence_.substr(0, matched_);
  matched_ = 0;
  return held;
}

}  // namespace gocker::engine
