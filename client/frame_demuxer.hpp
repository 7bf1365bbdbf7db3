#pragma once
// Splits Docker's multiplexed attach/logs stream (api/stream_frame.hpp) back into stdout and
// stderr. Reads from a socket end anywhere: in the middle of a header or of a payload, so the
// demuxer keeps the partial header and the remaining payload length between calls to feed().
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "api/stream_frame.hpp"
#include "outcome.hpp"

namespace gocker::client {

class FrameDemuxer {
 public:
  // Called once per contiguous piece of payload; a frame split across reads arrives in pieces.
  using Sink = std::function<Outcome<void>(api::StreamType stream, std::string_view payload)>;

  explicit FrameDemuxer(Sink sink) : sink_(std::move(sink)) {}

  // Passes the payload bytes in `bytes` to the sink. Fails on a header with an unknown stream
  // type (the stream is then unusable: docker's stdcopy gives up the same way), on a systemerr
  // frame (its payload is the daemon's error message) and when the sink fails.
  Outcome<void> feed(std::string_view bytes);

  // True when the stream ended cleanly: no partial header or payload is pending.
  bool at_frame_boundary() const { return header_.empty() && remaining_ == 0; }

 private:
  Sink sink_;
  std::string header_;         // the bytes of a header not yet complete
  api::StreamType stream_ = api::StreamType::Stdout;
  uint32_t remaining_ = 0;     // payload bytes of the current frame still to come
  std::string system_error_;   // a systemerr frame's payload, collected before failing
};

}  // namespace gocker::client
