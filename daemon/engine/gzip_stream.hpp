#pragma once
// A file read through gzip compression, pulled piece by piece (a registry push uploads a layer tar
// this way: compressed while it is sent, never written to disk compressed).
//
// The output is deterministic for a given zlib: the gzip header zlib writes for windowBits 15+16
// carries no name and a zero mtime, so the same tar compresses to the same blob (and digest) on
// every push, which lets a registry that has the blob keep it.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "engine/registry_distribution.hpp"

namespace gocker::engine {

class GzipFileReader {
 public:
  // Reads `fd` (borrowed) from its current offset to its end.
  explicit GzipFileReader(int fd);
  ~GzipFileReader();
  GzipFileReader(const GzipFileReader&) = delete;
  GzipFileReader& operator=(const GzipFileReader&) = delete;

  // Fills up to `capacity` bytes of compressed output; 0 once the stream has ended.
  Result<size_t> read(char* buffer, size_t capacity);

  int64_t input_bytes() const { return input_bytes_; }    // uncompressed bytes consumed so far
  int64_t output_bytes() const { return output_bytes_; }  // compressed bytes produced so far
  // Once read() returned 0: "sha256:<hex>" of the input (a layer's diff id) and of the output (its
  // blob digest).
  std::string input_digest() { return input_hash_.finish(); }
  std::string output_digest() { return output_hash_.finish(); }

 private:
  int fd_;
  z_stream zlib_{};
  bool initialized_ = false;
  bool input_done_ = false;
  bool finished_ = false;
  std::vector<unsigned char> input_;
  int64_t input_bytes_ = 0;
  int64_t output_bytes_ = 0;
  Sha256Stream input_hash_;
  Sha256Stream output_hash_;
};

}  // namespace gocker::engine
