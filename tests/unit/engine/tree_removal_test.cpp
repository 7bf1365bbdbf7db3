#include "engine/tree_removal.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <doctest/doctest.h>

#include "tests/unit/temp_dir.hpp"

namespace fs = std::filesystem;
using gocker::engine::find_mount_below;
using gocker::engine::remove_tree_on_one_mount;
using gocker::testing::TempDir;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  REQUIRE(file.good());
}

}  // namespace

TEST_CASE("remove_tree_on_one_mount deletes a whole tree, and never through a symlink") {
  TempDir temp("tree-removal");
  fs::create_directories(temp / "outside");
  write_text(temp / "outside/keep", "kept");
  fs::create_directories(temp / "tree/a/b");
  write_text(temp / "tree/a/b/file", "x");
  write_text(temp / "tree/top", "y");
  fs::create_directory_symlink(temp / "outside", temp / "tree/a/link");
  // Like overlayfs's work/work: a directory nobody may read, which root deletes all the same.
  fs::create_directories(temp / "tree/locked/inner");
  REQUIRE(::chmod((temp / "tree/locked").c_str(), 0) == 0);

  auto mount = find_mount_below(temp / "tree");
  REQUIRE_MESSAGE(mount.has_value(), mount.error().message);
  CHECK_FALSE(mount->has_value());

  auto removed = remove_tree_on_one_mount(temp / "tree");
  REQUIRE_MESSAGE(removed.has_value(), removed.error().message);
  CHECK_FALSE(fs::exists(temp / "tree"));
  CHECK(fs::exists(temp / "outside/keep"));
  // Already gone is done.
  CHECK(remove_tree_on_one_mount(temp / "tree").has_value());
}

TEST_CASE("a mount below a tree is found, and its removal stops there without touching what it shows") {
  if (::geteuid() != 0) {
    MESSAGE("SKIP: mounting a tmpfs needs root");
    return;
  }
  TempDir temp("tree-removal-mount");
  fs::create_directories(temp / "tree/data/mnt");
  write_text(temp / "tree/data/file", "x");
  std::optional<std::string> found;
  std::string find_error, remove_error;
  bool removed = true, precious_kept = false, mounted = false;
  // A thread of its own, in a mount namespace of its own: the tmpfs is never seen by the host and
  // goes with the thread.
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return;
    const std::string point = temp / "tree/data/mnt";
    if (::mount("tmpfs", point.c_str(), "tmpfs", 0, nullptr) != 0) return;
    mounted = true;
    write_text(point + "/precious", "z");
    auto mount = find_mount_below(temp / "tree");
    if (mount) found = mount.value();
    else find_error = mount.error().message;
    auto result = remove_tree_on_one_mount(temp / "tree");
    removed = result.has_value();
    if (!result) remove_error = result.error().message;
    precious_kept = fs::exists(point + "/precious");
    ::umount2(point.c_str(), MNT_DETACH);
  });
  worker.join();
  REQUIRE(mounted);
  INFO(find_error);
  REQUIRE(found.has_value());
  CHECK(*found == temp / "tree/data/mnt");
  CHECK_FALSE(removed);
  CHECK(remove_error.find("is a mount point") != std::string::npos);
  CHECK(precious_kept);
  // Only what lies beside the mount was deleted; the way to it is still there.
  CHECK(fs::exists(temp / "tree/data/mnt"));
}
