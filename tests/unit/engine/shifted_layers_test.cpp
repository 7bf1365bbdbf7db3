#include "engine/shifted_layers.hpp"
#include "tests/unit/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace gocker;
using namespace gocker::engine;

namespace {

IdRemap shift_sample_remap() {
  IdRemap remap;
  remap.uids = {{0, 100000, 65536}};
  remap.gids = {{0, 200000, 65536}};
  return remap;
}

struct stat shift_lstat(const std::string& path) {
  struct stat st {};
  REQUIRE_MESSAGE(::lstat(path.c_str(), &st) == 0, path);
  return st;
}

std::string shift_content(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("a shifted copy keeps a layer's tree and moves every owner into the remap's host ranges") {
  if (::geteuid() != 0) {
    MESSAGE("SKIP: copying with other owners needs root (chown, mknod of whiteouts)");
    return;
  }
  gocker::testing::TempDir scratch{"shift-unit"};
  const std::string layer = scratch.path() + "/layer";
  std::filesystem::create_directories(layer + "/bin");
  std::filesystem::create_directories(layer + "/home/app");
  std::ofstream(layer + "/bin/tool") << "#!/bin/sh\necho tool\n";
  REQUIRE(::chmod((layer + "/bin/tool").c_str(), 04755) == 0);  // set-uid survives the chown
  REQUIRE(::link((layer + "/bin/tool").c_str(), (layer + "/bin/tool-alias").c_str()) == 0);
  REQUIRE(::symlink("tool", (layer + "/bin/link").c_str()) == 0);
  std::ofstream(layer + "/home/app/notes") << "mine";
  REQUIRE(::chown((layer + "/home/app").c_str(), 1000, 1000) == 0);
  REQUIRE(::chown((layer + "/home/app/notes").c_str(), 1000, 1001) == 0);
  REQUIRE(::lchown((layer + "/bin/link").c_str(), 0, 0) == 0);
  // An overlay whiteout (char 0:0) and an opaque directory, as image layers hold them.
  REQUIRE(::mknod((layer + "/gone").c_str(), S_IFCHR | 0, makedev(0, 0)) == 0);
  std::filesystem::create_directories(layer + "/opaque");
  const bool xattrs = ::setxattr((layer + "/opaque").c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0;
  if (!xattrs) MESSAGE("this filesystem takes no trusted.* attributes: the opaque marker is not checked");
  // An id the remap does not map.
  std::ofstream(layer + "/stranger") << "x";
  REQUIRE(::chown((layer + "/stranger").c_str(), 70000, 70000) == 0);
  struct timespec old_times[2] = {{1000000, 0}, {1000000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (layer + "/bin/tool").c_str(), old_times, 0) == 0);

  CHECK((shift_lstat(layer + "/bin/tool").st_mode & 07777) == 04755);
  const std::string dir = shifted_layers_dir(scratch.path() + "/remapped", shift_sample_remap());
  CHECK(dir.find("/100000.200000-") != std::string::npos);
  auto copy = ensure_shifted_layer(layer, dir, shift_sample_remap());
  REQUIRE_MESSAGE(copy, (copy ? "" : copy.error().message));
  CHECK(*copy == dir + "/layer");

  const auto root = shift_lstat(*copy);
  CHECK(root.st_uid == 100000);
  CHECK(root.st_gid == 200000);
  const auto tool = shift_lstat(*copy + "/bin/tool");
  CHECK(tool.st_uid == 100000);
  CHECK((tool.st_mode & 07777) == 04755);
  CHECK(tool.st_mtim.tv_sec == 1000000);
  CHECK(shift_content(*copy + "/bin/tool") == "#!/bin/sh\necho tool\n");
  CHECK(shift_lstat(*copy + "/bin/tool-alias").st_ino == tool.st_ino);  // still one inode
  const auto link = shift_lstat(*copy + "/bin/link");
  CHECK(S_ISLNK(link.st_mode));
  CHECK(link.st_uid == 100000);
  CHECK(std::filesystem::read_symlink(*copy + "/bin/link") == "tool");
  CHECK(shift_lstat(*copy + "/home/app").st_uid == 101000);
  const auto notes = shift_lstat(*copy + "/home/app/notes");
  CHECK(notes.st_uid == 101000);
  CHECK(notes.st_gid == 201001);
  const auto gone = shift_lstat(*copy + "/gone");
  CHECK(S_ISCHR(gone.st_mode));
  CHECK(gone.st_rdev == makedev(0, 0));
  CHECK(gone.st_uid == 100000);
  CHECK(shift_lstat(*copy + "/stranger").st_uid == 65534);
  if (xattrs) {
    char value[4] = {};
    CHECK(::getxattr((*copy + "/opaque").c_str(), "trusted.overlay.opaque", value, sizeof value) == 1);
    CHECK(value[0] == 'y');
  }
  // The source is untouched.
  CHECK(shift_lstat(layer + "/bin/tool").st_uid == 0);
  CHECK(shift_lstat(layer + "/home/app/notes").st_uid == 1000);

  // A second call reuses the copy; a half-made copy from a crash is replaced, not trusted.
  auto again = ensure_shifted_layer(layer, dir, shift_sample_remap());
  REQUIRE(again);
  CHECK(shift_lstat(*again).st_ino == root.st_ino);
  std::filesystem::create_directories(dir + "/.partial-other");
  std::filesystem::create_directories(scratch.path() + "/other");
  auto other = ensure_shifted_layer(scratch.path() + "/other", dir, shift_sample_remap());
  REQUIRE(other);
  CHECK_FALSE(std::filesystem::exists(dir + "/.partial-other"));

  // A layer that cannot be read fails with its name and leaves no partial copy.
  auto missing = ensure_shifted_layer(scratch.path() + "/missing", dir, shift_sample_remap());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("missing") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/.partial-missing"));
}

TEST_CASE("remaps that share a root but not their ranges get separate copies") {
  IdRemap wide = shift_sample_remap();
  IdRemap narrow = shift_sample_remap();
  narrow.uids = {{0, 100000, 1000}};
  CHECK(shifted_layers_dir("/r", wide) != shifted_layers_dir("/r", narrow));
  CHECK(shifted_layers_dir("/r", wide) == shifted_layers_dir("/r", shift_sample_remap()));
}
