#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/tar_codec.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace gocker::client;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("client tar: a local tree round-trips, long names included, renamed on the way") {
  gocker::testing::TempDir temp{"tar"};
  fs::path source = temp / "src";
  std::string long_name(150, 'n');
  fs::create_directories(source / "sub");
  std::ofstream(source / "a.txt") << "alpha";
  std::ofstream(source / "sub" / long_name) << "long";
  fs::create_symlink("a.txt", source / "link");

  std::string tar;
  REQUIRE(append_local_tree(tar, source.string(), "src", false, false));
  append_tar_end(tar);
  CHECK(tar.size() % 512 == 0);

  fs::create_directories(temp / "dest");
  REQUIRE(extract_tar_locally(tar, temp / "dest", "src", "copy", false));
  CHECK(slurp(temp / "dest/copy/a.txt") == "alpha");
  CHECK(slurp(fs::path(temp / "dest/copy/sub") / long_name) == "long");
  CHECK(fs::read_symlink(temp / "dest/copy/link") == "a.txt");
}

TEST_CASE("client tar: entries cannot leave the destination") {
  gocker::testing::TempDir temp{"tar"};
  fs::create_directories(temp / "dest");
  fs::create_directories(temp / "outside");
  std::string dotdot;
  append_tar_entry(dotdot, TarEntry{"../outside/x", '0', 0644, 0, 0, 0, "", "x"});
  append_tar_end(dotdot);
  CHECK_FALSE(extract_tar_locally(dotdot, temp / "dest", "x", "x", false));
  CHECK_FALSE(fs::exists(temp / "outside/x"));

  // A link planted by the archive, then a write through it.
  std::string planted;
  append_tar_entry(planted, TarEntry{"esc", '2', 0777, 0, 0, 0, "../outside", ""});
  append_tar_entry(planted, TarEntry{"esc/pwned", '0', 0644, 0, 0, 0, "", "x"});
  append_tar_end(planted);
  CHECK_FALSE(extract_tar_locally(planted, temp / "dest", "x", "x", false));
  CHECK_FALSE(fs::exists(temp / "outside/pwned"));
}

TEST_CASE("client tar: rebase names like docker's RebaseArchiveEntries") {
  CHECK(rebase_entry_name("data", "data", "copy") == "copy");
  CHECK(rebase_entry_name("data/x/y", "data", "copy") == "copy/x/y");
  CHECK(rebase_entry_name("database", "data", "copy") == "database");
  CHECK(rebase_entry_name("./x", ".", ".") == "./x");
}
