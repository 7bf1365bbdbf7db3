// Fuzz target: extraction of untrusted tars. The first input byte picks the path, the rest is the
// archive (plain or compressed):
//   even: ImageStore::import_layer, what `import`, `load` and `pull` do with each layer (libarchive
//         with the SECURE_* flags, overlay whiteouts through openat2(RESOLVE_IN_ROOT));
//   odd:  extract_tar, what PUT /containers/{id}/archive (`docker cp` into a container) does, into
//         a rootfs that already holds symlinks pointing out of it ("up" -> ../../.., "tmp" -> /tmp).
//
// The property checked after every input: nothing was written outside the directory the archive
// was extracted into. The sandbox (a fresh directory under $TMPDIR or /tmp) holds the image
// store's root and the cp rootfs a few levels down, beside a bait file; after each input
//   - every entry of the sandbox outside the extraction directories is one the harness made, and
//     the bait file is unchanged;
//   - every regular file inside the extraction directories has all of its hard links in there
//     (a link to a file elsewhere would let a later write reach it);
//   - no path the archive's entry names could reach (an absolute name, "..", or a name through a
//     symlink entry of the same archive), taken as it would resolve on the host, exists newly.
//
// The harness refuses to run as root: as root the layer import also chroots into the layer
// (engine/image_store.cpp), which would hide an escape from the libarchive checks this target is
// after, and a real escape would write with root's rights. tests/fuzz/run_fuzzer.sh runs it as
// nobody when started as root.
#include <fcntl.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/archive_stream.hpp"
#include "engine/image_store.hpp"
#include "state/store.hpp"

namespace {

namespace fs = std::filesystem;
using namespace gocker;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "layer_tar_fuzzer: %s\n", what.c_str());
  std::abort();
}

struct Sandbox {
  fs::path base;        // /tmp/gocker-fuzz-layer-XXXXXX
  fs::path nest;        // base/a/b/c/d/e: deep enough that "../" runs end inside base
  fs::path store_root;  // nest/root: the image store's root
  fs::path cp_root;     // nest/cp: the stand-in container rootfs of extract_tar
  fs::path bait;        // nest/bait
  std::unique_ptr<state::Store> store;
  std::unique_ptr<engine::ImageStore> images;
};

Sandbox& sandbox() {
  static Sandbox box;
  return box;
}

constexpr std::string_view kBaitContent = "bait\n";

// Makes every directory below `path` writable and searchable, then removes it all: an archive
// may well have made a directory of mode 0000.
void remove_tree(const fs::path& path) {
  ::nftw(
      path.c_str(),
      [](const char* name, const struct stat* info, int type, struct FTW*) {
        if (type == FTW_D || type == FTW_DNR) ::chmod(name, (info->st_mode & 07777) | 0700);
        return 0;
      },
      64, FTW_PHYS);
  // A second pass: directories made readable by the first are walked now.
  ::nftw(
      path.c_str(),
      [](const char* name, const struct stat*, int type, struct FTW*) {
        if (type == FTW_D || type == FTW_DNR) ::chmod(name, 0700);
        return 0;
      },
      64, FTW_PHYS);
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

void make_cp_root() {
  const Sandbox& box = sandbox();
  remove_tree(box.cp_root);
  fs::create_directories(box.cp_root / "etc");
  fs::create_directories(box.cp_root / "tmp");
  fs::create_symlink("../../..", box.cp_root / "up");
  fs::create_symlink("/tmp", box.cp_root / "hosttmp");
}

void write_file(const fs::path& path, std::string_view content) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) fail("create " + path.string() + ": " + std::strerror(errno));
  std::fwrite(content.data(), 1, content.size(), file);
  std::fclose(file);
}

// ---- what the archive could reach on the host ----

struct ArchiveNames {
  std::vector<std::string> names;               // entry names and hard link targets
  std::map<std::string, std::string> symlinks;  // entry name -> target
};

ArchiveNames list_names(std::string_view tar) {
  ArchiveNames names;
  archive* reader = archive_read_new();
  archive_read_support_filter_all(reader);
  archive_read_support_format_tar(reader);
  if (archive_read_open_memory(reader, tar.data(), tar.size()) == ARCHIVE_OK) {
    archive_entry* entry = nullptr;
    for (int i = 0; i < 10000 && archive_read_next_header(reader, &entry) >= ARCHIVE_WARN; ++i) {
      if (const char* name = archive_entry_pathname(entry)) names.names.emplace_back(name);
      if (const char* target = archive_entry_hardlink(entry)) names.names.emplace_back(target);
      if (const char* target = archive_entry_symlink(entry); target && archive_entry_pathname(entry))
        names.symlinks[archive_entry_pathname(entry)] = target;
    }
  }
  archive_read_free(reader);
  return names;
}

// Lexical resolution of `name` against `directory` as a naive extractor would do it, following
// the symlinks in `symlinks` (paths relative to `directory`) a bounded number of times.
std::string resolve_on_host(const fs::path& directory, const std::string& name,
                            const std::map<std::string, std::string>& symlinks) {
  fs::path current = name.starts_with('/') ? fs::path("/") : directory;
  std::deque<std::string> parts;
  for (const auto& part : fs::path(name)) parts.push_back(part.string());
  int follows = 0;
  while (!parts.empty()) {
    const std::string part = parts.front();
    parts.pop_front();
    if (part.empty() || part == "/" || part == ".") continue;
    if (part == "..") {
      current = current.parent_path();
      continue;
    }
    current /= part;
    if (parts.empty() || follows >= 16) continue;
    auto link = symlinks.find(current.lexically_relative(directory).string());
    if (link == symlinks.end()) continue;
    ++follows;
    current = link->second.starts_with('/') ? fs::path("/") : current.parent_path();
    std::vector<std::string> target;
    for (const auto& target_part : fs::path(link->second)) target.push_back(target_part.string());
    parts.insert(parts.begin(), target.begin(), target.end());
  }
  return current.lexically_normal().string();
}

bool is_inside(const std::string& path, const fs::path& directory) {
  const std::string prefix = directory.string() + "/";
  return path == directory.string() || path.starts_with(prefix);
}

struct Candidate {
  std::string path;
  bool existed = false;
  struct stat before {};
};

std::vector<Candidate> outside_candidates(const ArchiveNames& names, const fs::path& extraction_dir) {
  std::vector<Candidate> candidates;
  std::set<std::string> seen;
  for (const std::string& name : names.names) {
    std::string host_path = resolve_on_host(extraction_dir, name, names.symlinks);
    if (is_inside(host_path, extraction_dir) || !seen.insert(host_path).second) continue;
    // A directory outside (say /tmp) changes as other programs use it; only its creation counts.
    Candidate candidate;
    candidate.path = host_path;
    candidate.existed = ::lstat(host_path.c_str(), &candidate.before) == 0;
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

void check_candidates(const std::vector<Candidate>& candidates) {
  for (const Candidate& candidate : candidates) {
    struct stat after {};
    const bool exists = ::lstat(candidate.path.c_str(), &after) == 0;
    if (exists && !candidate.existed)
      fail("the archive created " + candidate.path + " outside the extraction directory");
    if (exists && candidate.existed && S_ISDIR(candidate.before.st_mode)) continue;
    if (exists && (after.st_ino != candidate.before.st_ino || after.st_mtim.tv_sec != candidate.before.st_mtim.tv_sec ||
                   after.st_mtim.tv_nsec != candidate.before.st_mtim.tv_nsec ||
                   after.st_size != candidate.before.st_size || after.st_mode != candidate.before.st_mode))
      fail("the archive changed " + candidate.path + " outside the extraction directory");
  }
}

// ---- the sandbox walk ----

void check_hard_links(const fs::path& directory) {
  std::map<std::pair<dev_t, ino_t>, nlink_t> links_seen;
  std::map<std::pair<dev_t, ino_t>, nlink_t> links_total;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(directory, fs::directory_options::skip_permission_denied, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    const auto key = std::make_pair(info.st_dev, info.st_ino);
    ++links_seen[key];
    links_total[key] = info.st_nlink;
  }
  for (const auto& [key, total] : links_total)
    if (links_seen[key] != total)
      fail("a file in " + directory.string() + " has hard links outside it (" + std::to_string(total) + " links, " +
           std::to_string(links_seen[key]) + " inside)");
}

void expect_entries(const fs::path& directory, const std::set<std::string>& allowed) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (!allowed.count(name))
      fail("unexpected " + entry.path().string() + ": written outside the extraction directory");
  }
  if (error) fail("list " + directory.string() + ": " + error.message());
}

void check_sandbox() {
  const Sandbox& box = sandbox();
  fs::path level = box.base;
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    expect_entries(level, {name});
    level /= name;
  }
  expect_entries(box.nest, {"root", "cp", "bait"});
  expect_entries(box.store_root, {"layers", "state.db", "state.db-wal", "state.db-shm", "state.db-journal"});
  expect_entries(box.store_root / "layers", {"sha256", "tmp", "tar"});
  expect_entries(box.store_root / "layers/tmp", {});
  FILE* bait = std::fopen(box.bait.c_str(), "r");
  char content[16] = {};
  const size_t length = bait ? std::fread(content, 1, sizeof content, bait) : 0;
  if (bait) std::fclose(bait);
  if (std::string_view(content, length) != kBaitContent) fail("the bait file outside the extraction directory changed");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (::geteuid() == 0) {
    std::fprintf(stderr,
                 "layer_tar_fuzzer: refusing to run as root (the layer import would chroot, hiding escapes, and an "
                 "escape would write as root); run it as an unprivileged user, as tests/fuzz/run_fuzzer.sh does\n");
    std::exit(1);
  }
  Sandbox& box = sandbox();
  // Under $TMPDIR when set: run_fuzzer.sh points it into its work directory, which it removes
  // whatever way the fuzzer ends (libFuzzer does not always run atexit handlers).
  const char* tmpdir = std::getenv("TMPDIR");
  std::string base = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/gocker-fuzz-layer-XXXXXX";
  if (::mkdtemp(base.data()) == nullptr) fail("mkdtemp " + base + ": " + std::strerror(errno));
  box.base = base;
  box.nest = box.base / "a/b/c/d/e";
  box.store_root = box.nest / "root";
  box.cp_root = box.nest / "cp";
  box.bait = box.nest / "bait";
  fs::create_directories(box.store_root);
  write_file(box.bait, kBaitContent);
  make_cp_root();
  auto store = state::Store::open((box.store_root / "state.db").string());
  if (!store) fail("open the store: " + store.error().message);
  box.store = std::move(store).value();
  box.images = std::make_unique<engine::ImageStore>(*box.store, box.store_root.string());
  if (auto loaded = box.images->load(); !loaded) fail("load the image store: " + loaded.error().message);
  std::atexit([] { remove_tree(sandbox().base); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Sandbox& box = sandbox();
  const bool import_as_layer = data[0] % 2 == 0;
  const std::string_view tar(reinterpret_cast<const char*>(data) + 1, size - 1);
  const ArchiveNames names = list_names(tar);

  if (import_as_layer) {
    // Where import_layer extracts: a mkdtemp directory in layers/tmp, renamed into layers/sha256.
    // Both are inside layers/, so the candidates are judged against it.
    const auto candidates = outside_candidates(names, box.store_root / "layers/tmp/import-XXXXXX");
    std::vector<Candidate> outside;
    for (const Candidate& candidate : candidates)
      if (!is_inside(candidate.path, box.store_root / "layers")) outside.push_back(candidate);

    const int fd = ::memfd_create("layer", MFD_CLOEXEC);
    if (fd < 0 || ::write(fd, tar.data(), tar.size()) != static_cast<ssize_t>(tar.size())) fail("memfd");
    auto layer = box.images->import_layer(engine::LayerSource{fd, 0, static_cast<int64_t>(tar.size())});
    ::close(fd);
    check_candidates(outside);
    // A failed import removes its temporary directory with remove_all, which as root (the
    // daemon) always succeeds; unprivileged, as here, a directory of mode 0555 or 0000 from the
    // archive stops it. That leftover inside layers/tmp is not an escape: clear it as root would.
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(box.store_root / "layers/tmp", ignored))
      if (entry.path().filename().string().starts_with("import-")) remove_tree(entry.path());
    check_sandbox();
    if (layer) {
      check_hard_links(layer->path);
      remove_tree(layer->path);
      fs::remove(box.images->layer_tar_path(layer->chain_id));
    }
    expect_entries(box.store_root / "layers/sha256", {});
    expect_entries(box.store_root / "layers/tar", {});
  } else {
    ArchiveNames with_rootfs_links = names;  // the links make_cp_root plants, seen from /tmp
    with_rootfs_links.symlinks.emplace("../up", "../../..");
    with_rootfs_links.symlinks.emplace("../hosttmp", "/tmp");
    const auto outside = outside_candidates(with_rootfs_links, box.cp_root / "tmp");
    engine::ExtractOptions options;
    options.no_overwrite_dir_non_dir = (data[0] & 2) != 0;
    options.keep_owners = (data[0] & 4) != 0;
    {
      auto root = engine::open_root_directory(box.cp_root.string());
      if (!root) fail("open the cp root: " + root.error().message);
      (void)engine::extract_tar(root->get(), "/tmp", tar, options);
    }
    check_candidates(outside);
    check_sandbox();
    check_hard_links(box.cp_root);
    make_cp_root();
  }
  return 0;
}
