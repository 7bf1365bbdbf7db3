#pragma once
// Temp directories laid out like cgroupfs, for the cgroup driver unit tests. On a real cgroupfs the
// kernel creates each cgroup's interface files at mkdir; here the test plays the kernel and
// creates them (kernel_populate) where the code under test expects them.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <ostream>
#include <sstream>
#include <string>

#include "runtime/cgroups/cgroup_plan.hpp"

namespace gocker::runtime {

// doctest prints values through operator<< found by ADL.
inline std::ostream& operator<<(std::ostream& out, const CgroupWrite& write) {
  return out << "{" << write.controller << ", " << write.file << ", \"" << write.value << "\""
             << (write.skip_if_missing ? ", optional" : "") << "}";
}

}  // namespace gocker::runtime

namespace gocker::test {

class TempDir {
 public:
  explicit TempDir(const std::string& base = std::filesystem::temp_directory_path().string()) {
    std::string pattern = base + "/gocker-cgroup-test-XXXXXX";
    REQUIRE_MESSAGE(::mkdtemp(pattern.data()) != nullptr, "mkdtemp under ", base);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;  // best effort: a leftover temp dir must not mask the test's result
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::trunc);
  out << content;
  REQUIRE_MESSAGE(out.good(), "writing fixture file ", path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "reading ", path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

inline bool exists(const std::string& path) { return std::filesystem::exists(path); }

// What the kernel would make in a new cgroup directory: empty interface files.
inline void kernel_populate(const std::string& dir, std::initializer_list<const char*> files) {
  std::filesystem::create_directories(dir);
  for (const char* file : files) write_file(dir + "/" + file, "");
}

}  // namespace gocker::test
