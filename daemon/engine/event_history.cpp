#include "engine/event_history.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace gocker::engine {

EventHistory::EventHistory(size_t max_events, size_t max_bytes)
    : entries_(std::max<size_t>(max_events, 1)),
      max_bytes_(std::min<size_t>(max_bytes, std::numeric_limits<uint32_t>::max())),
      bytes_(std::make_unique_for_overwrite<char[]>(max_bytes_)) {}

void EventHistory::drop_oldest() {
  first_ = (first_ + 1) % entries_.size();
  --count_;
}

bool EventHistory::push(std::string_view text) {
  if (text.size() > max_bytes_) return false;
  if (count_ == entries_.size()) drop_oldest();
  // Texts are laid out one after the other and never split: one that does not fit before the end
  // of the buffer starts again at its beginning. The texts still stored from the previous lap are
  // all at or after the write position, oldest first; starting over, those go.
  size_t at = write_at_;
  if (at + text.size() > max_bytes_) {
    while (count_ > 0 && oldest().offset >= at) drop_oldest();
    at = 0;
  }
  // Then the previous lap's texts the new one would overwrite; this lap's all end before `at`.
  while (count_ > 0 && oldest().offset < at + text.size() && oldest().offset + oldest().length > at) drop_oldest();
  std::memcpy(bytes_.get() + at, text.data(), text.size());
  entries_[(first_ + count_) % entries_.size()] = Entry{static_cast<uint32_t>(at), static_cast<uint32_t>(text.size())};
  ++count_;
  write_at_ = at + text.size();
  return true;
}

}  // namespace gocker::engine
