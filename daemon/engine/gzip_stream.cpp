#include "engine/gzip_stream.hpp"

#include <unistd.h>

#include <cerrno>

namespace gocker::engine {

namespace {
constexpr size_t kInputChunk = 128 * 1024;
constexpr int kGzipWindowBits = 15 + 16;  // a gzip wrapper around the deflate stream (zlib.h)
constexpr int kMemoryLevel = 8;           // zlib's default
}  // namespace

GzipFileReader::GzipFileReader(int fd) : fd_(fd), input_(kInputChunk) {
  initialized_ = deflateInit2(&zlib_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemoryLevel,
                              Z_DEFAULT_STRATEGY) == Z_OK;
}

GzipFileReader::~GzipFileReader() {
  if (initialized_) deflateEnd(&zlib_);
}

Result<size_t> GzipFileReader::read(char* buffer, size_t capacity) {
  if (!initialized_) return Error::internal("gzip: deflateInit2 failed");
  if (finished_ || capacity == 0) return size_t{0};
  zlib_.next_out = reinterpret_cast<unsigned char*>(buffer);
  zlib_.avail_out = static_cast<uInt>(capacity);
  while (zlib_.avail_out > 0 && !finished_) {
    if (zlib_.avail_in == 0 && !input_done_) {
      ssize_t got = ::read(fd_, input_.data(), input_.size());
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return Error::from_errno(errno, "gzip: read layer tar");
      if (got == 0) {
        input_done_ = true;
      } else {
        input_hash_.update(input_.data(), static_cast<size_t>(got));
        input_bytes_ += got;
        zlib_.next_in = input_.data();
        zlib_.avail_in = static_cast<uInt>(got);
      }
    }
    const int status = deflate(&zlib_, input_done_ ? Z_FINISH : Z_NO_FLUSH);
    if (status == Z_STREAM_END) {
      finished_ = true;
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      return Error::internal("gzip: deflate failed (" + std::to_string(status) + ")");
    }
  }
  const size_t produced = capacity - zlib_.avail_out;
  output_hash_.update(buffer, produced);
  output_bytes_ += static_cast<int64_t>(produced);
  return produced;
}

}  // namespace gocker::engine
