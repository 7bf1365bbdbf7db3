#pragma once
// A directory of one unit test's own under the temp directory, removed with all it holds when the
// test's scope ends. Shared by the unit tests: in a unity batch, file-local copies of such a
// helper under one name would clash.
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include <doctest/doctest.h>

namespace gocker::testing {

class TempDir {
 public:
  // `label` names the directory ("gocker-<label>-XXXXXX"), so a leftover says which test made it.
  explicit TempDir(const std::string& label) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("gocker-" + label + "-XXXXXX")).string();
    REQUIRE_MESSAGE(::mkdtemp(pattern.data()) != nullptr, "mkdtemp " << pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace gocker::testing
