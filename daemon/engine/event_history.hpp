#pragma once
// The recent events GET /events?since= replays, kept as their JSON text in one buffer made at
// start: a ring of at most `max_events` texts and `max_bytes` bytes, the oldest dropped first.
//
// Held as api::EventMessage objects, each event was a dozen small allocations made in the middle of
// whatever burst of requests produced it, and a full ring of them kept several hundred kB of heap
// pages resident after the burst's own data was freed (a daemon idle after 140 `run --rm` had 1.7
// MB of heap for 0.5 MB in use). In a buffer of its own the history occupies only the pages its
// text fills. Publishing is frequent and cheap (one serialization); a replay parses the texts back.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace gocker::engine {

class EventHistory {
 public:
  EventHistory(size_t max_events, size_t max_bytes);

  // Keeps `text`, dropping the oldest texts it needs room from. False (and nothing kept or
  // dropped) for a text larger than the whole buffer.
  bool push(std::string_view text);

  size_t size() const { return count_; }

  // Oldest first.
  template <class Visit>
  void for_each(Visit&& visit) const {
    for (size_t i = 0; i < count_; ++i) {
      const Entry& entry = entries_[(first_ + i) % entries_.size()];
      visit(std::string_view(bytes_.get() + entry.offset, entry.length));
    }
  }

 private:
  struct Entry {
    uint32_t offset = 0;
    uint32_t length = 0;
  };
  const Entry& oldest() const { return entries_[first_]; }
  void drop_oldest();

  std::vector<Entry> entries_;  // a circle of count_ entries from first_
  size_t first_ = 0;
  size_t count_ = 0;
  size_t max_bytes_;
  std::unique_ptr<char[]> bytes_;  // not zeroed: only the pages texts are written to become resident
  size_t write_at_ = 0;
};

}  // namespace gocker::engine
