#pragma once
// Detach keys: the key sequence that ends an attach to a tty container while it keeps running
// (docker's `detachKeys` on attach and exec start; default "ctrl-p,ctrl-q").
//
// Format (moby/term's ToBytes): comma-separated keys, each a single character ("a", "X", ",") or
// "ctrl-" followed by one of a-z @ [ \ ] ^ _ (giving bytes 1-26, 0, 27, 28, 29, 30, 31).
//
// The scanner sits on the stdin the client sends. Bytes that could begin the sequence are held
// back; once the next byte shows they do not form it, they are forwarded after all, so typing a
// lone ctrl-p in an editor still reaches the container (one keystroke late, as with dockerd).
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace gocker::engine {

inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// InvalidArgument for an unknown key name or an empty sequence.
Result<std::string> parse_detach_keys(std::string_view text);

class DetachKeyScanner {
 public:
  explicit DetachKeyScanner(std::string sequence) : sequence_(std::move(sequence)) {}

  struct Outcome {
    std::string forward;    // bytes to pass on to the container, in order
    bool detached = false;  // the sequence was seen: stop forwarding and end the attach
  };
  // Feeds the next bytes of the client's input. After `detached`, the rest of `input` is dropped.
  Outcome scan(std::string_view input);
  // Bytes held back (a prefix of the sequence) that the end of the input releases.
  std::string flush();

 private:
  std::string sequence_;
  size_t matched_ = 0;
};

}  // namespace gocker::engine
