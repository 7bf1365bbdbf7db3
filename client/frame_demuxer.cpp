#include "frame_demuxer.hpp"

#include <algorithm>

namespace gocker::client {

Outcome<void> FrameDemuxer::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (remaining_ == 0) {
      size_t wanted = api::kFrameHeaderSize - header_.size();
      size_t taken = std::min(wanted, bytes.size());
      header_.append(bytes.substr(0, taken));
      bytes.remove_prefix(taken);
      if (header_.size() < api::kFrameHeaderSize) return {};
      auto header = api::decode_frame_header(header_);
      if (!header) return Failure::transport("error reading the container's output: unrecognized stream header");
      header_.clear();
      stream_ = header->stream;
      remaining_ = header->size;
      continue;  // a zero-length frame simply ends here
    }
    size_t taken = std::min<size_t>(remaining_, bytes.size());
    std::string_view payload = bytes.substr(0, taken);
    bytes.remove_prefix(taken);
    remaining_ -= static_cast<uint32_t>(taken);
    if (stream_ == api::StreamType::SystemErr) {
      system_error_.append(payload);
      if (remaining_ == 0) return Failure::transport("error from daemon in stream: " + system_error_);
      continue;
    }
    if (auto written = sink_(stream_, payload); !written) return written;
  }
  return {};
}

}  // namespace gocker::client
