#include "engine/image_store.hpp"

#include "base/filesystem.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "engine/anonymous_file.hpp"
#include "engine/contained_path.hpp"
#include "engine/image_config.hpp"
#include "engine/reference.hpp"
#include "engine/time_format.hpp"
#include "engine/whiteout.hpp"

namespace gocker::engine {
namespace {

constexpr size_t kReadBlockSize = 64 * 1024;

// The built-in image's config: busybox's own defaults (Docker Hub's busybox has the same Env and Cmd).
constexpr const char* kBuiltinPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// The built-in image's creation time is the mtime its rootfs tar gives every file: the busybox
// binary's build date (images/make-busybox-rootfs.sh, SOURCE_DATE_EPOCH style). Taking it from the
// tar rather than the clock keeps the config bytes, hence the image id, the same for every import
// of one busybox build. bin/busybox is read because every applet is a hard link to it.
int64_t builtin_created_seconds(const std::string& layer_path) {
  struct stat info {};
  if (::stat((layer_path + "/bin/busybox").c_str(), &info) != 0) return 0;  // an odd tar: 1970, still reproducible
  return static_cast<int64_t>(info.st_mtime);
}

std::string hex_encode(const unsigned char* bytes, size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (size_t i = 0; i < length; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0f]);
  }
  return out;
}

// Incremental sha256 over OpenSSL's EVP interface.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) context_.reset();
  }
  bool valid() const { return context_ != nullptr; }
  bool update(const void* data, size_t length) {
    return context_ && EVP_DigestUpdate(context_.get(), data, length) == 1;
  }
  // "sha256:<hex>", or "" if OpenSSL failed.
  std::string finish() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (!context_ || EVP_DigestFinal_ex(context_.get(), digest.data(), &length) != 1) return "";
    return "sha256:" + hex_encode(digest.data(), length);
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> context_;
};

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;
using ArchiveWriter = std::unique_ptr<archive, ArchiveWriteFree>;

std::string archive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown libarchive error";
}

// Two readers are chained so the diff id covers exactly the uncompressed stream: `outer` undoes any
// compression and hands out raw bytes ("raw" format), which this callback hashes on their way into
// `inner`, the tar parser. Hashing entry contents instead would miss headers and padding.
struct DecompressedStream {
  archive* outer = nullptr;
  Sha256 hash;
  std::vector<char> buffer = std::vector<char>(kReadBlockSize);
  std::string error;
  int keep_fd = -1;  // where the uncompressed stream is also written (the layer's kept tar), or -1
};

bool write_fully(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

// The compressed input of the outer reader: `length` bytes (or to the end of file when negative)
// from `offset` of `fd`, read with pread so a layer can be a member of a larger archive file.
struct RangeInput {
  int fd = -1;
  int64_t offset = 0;
  int64_t remaining = -1;
  std::vector<char> buffer = std::vector<char>(kReadBlockSize);
};

la_ssize_t read_range(archive* a, void* client_data, const void** block) {
  auto* input = static_cast<RangeInput*>(client_data);
  size_t want = input->buffer.size();
  if (input->remaining >= 0 && static_cast<int64_t>(want) > input->remaining) want = static_cast<size_t>(input->remaining);
  if (want == 0) return 0;
  ssize_t count;
  do {
    count = ::pread(input->fd, input->buffer.data(), want, input->offset);
  } while (count < 0 && errno == EINTR);
  if (count < 0) {
    archive_set_error(a, errno, "read layer: %s", std::strerror(errno));
    return -1;
  }
  input->offset += count;
  if (input->remaining >= 0) input->remaining -= count;
  *block = input->buffer.data();
  return count;
}

la_ssize_t read_decompressed(archive* inner, void* client_data, const void** block) {
  auto* stream = static_cast<DecompressedStream*>(client_data);
  la_ssize_t count = archive_read_data(stream->outer, stream->buffer.data(), stream->buffer.size());
  if (count < 0) {
    stream->error = archive_message(stream->outer);
    archive_set_error(inner, EIO, "%s", stream->error.c_str());
    return -1;
  }
  if (count > 0 && !stream->hash.update(stream->buffer.data(), static_cast<size_t>(count))) {
    stream->error = "sha256 update failed";
    archive_set_error(inner, EIO, "%s", stream->error.c_str());
    return -1;
  }
  if (count > 0 && stream->keep_fd >= 0 && !write_fully(stream->keep_fd, stream->buffer.data(), static_cast<size_t>(count))) {
    stream->error = std::string("keep the layer tar: ") + std::strerror(errno);
    archive_set_error(inner, EIO, "%s", stream->error.c_str());
    return -1;
  }
  *block = stream->buffer.data();
  return count;
}

struct ExtractedLayer {
  std::string diff_id;
  int64_t size = 0;  // bytes of regular file content (hard links counted once)
};

// The flags that keep a hostile tar inside the layer directory, plus what a rootfs needs restored.
// Owners are restored numerically (no lookup functions are installed): ids inside an image do not
// refer to the host's user database.
constexpr int kExtractFlags = ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                              ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
                              ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR;

// A whiteout entry of the layer tar, turned into its overlay form (engine/whiteout.hpp) in the
// layer directory `root_fd`. The entry's directory is resolved with RESOLVE_IN_ROOT, so a whiteout
// below a symlink still lands inside the layer, and ".." is refused as for any other entry.
Status apply_whiteout(int root_fd, const WhiteoutEntry& whiteout) {
  auto components = entry_components(whiteout.directory);
  if (!components) return std::move(components).error();
  std::string directory = ".";
  for (const std::string& component : *components) directory += "/" + component;
  if (whiteout.kind == WhiteoutKind::Opaque) {
    auto dir = open_in_root(root_fd, directory, O_RDONLY | O_DIRECTORY);
    if (!dir) return std::move(dir).error().context("opaque directory " + gocker::quoted(directory));
    return set_overlay_opaque(dir->get());
  }
  auto dir = open_in_root(root_fd, directory, O_PATH | O_DIRECTORY);
  if (!dir) return std::move(dir).error().context("whiteout in " + gocker::quoted(directory));
  return make_overlay_whiteout(dir->get(), whiteout.target);
}

// Extracts the tar in `source` into the current directory, writing its uncompressed bytes to
// keep_fd too. Runs on a thread of its own whose working directory (and, as root, filesystem root)
// is the layer directory; see extract_layer.
Result<ExtractedLayer> extract_here(const LayerSource& source, int keep_fd) {
  auto root = open_root_directory(".");
  if (!root) return std::move(root).error();
  ArchiveReader outer(archive_read_new());
  ArchiveReader inner(archive_read_new());
  ArchiveWriter writer(archive_write_disk_new());
  if (!outer || !inner || !writer) return Error::internal("libarchive: out of memory");

  archive_read_support_filter_all(outer.get());
  archive_read_support_format_raw(outer.get());
  RangeInput input;
  input.fd = source.fd;
  input.offset = source.offset;
  input.remaining = source.length;
  if (archive_read_open(outer.get(), &input, nullptr, read_range, nullptr) != ARCHIVE_OK) {
    return Error::invalid("open: " + archive_message(outer.get()));
  }
  archive_entry* raw_entry = nullptr;
  if (archive_read_next_header(outer.get(), &raw_entry) != ARCHIVE_OK) {
    return Error::invalid("read: " + archive_message(outer.get()));
  }

  DecompressedStream stream;
  stream.outer = outer.get();
  stream.keep_fd = keep_fd;
  if (!stream.hash.valid()) return Error::internal("sha256: cannot initialize OpenSSL digest");
  archive_read_support_format_tar(inner.get());
  if (archive_read_open(inner.get(), &stream, nullptr, read_decompressed, nullptr) != ARCHIVE_OK) {
    return Error::invalid("not a tar archive: " + archive_message(inner.get()));
  }
  if (archive_write_disk_set_options(writer.get(), kExtractFlags) != ARCHIVE_OK) {
    return Error::internal("set extract options: " + archive_message(writer.get()));
  }

  ExtractedLayer layer;
  while (true) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(inner.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) return Error::invalid("read tar header: " + archive_message(inner.get()));
    const char* name = archive_entry_pathname(entry);
    const std::string entry_name = name != nullptr ? name : "";

    auto whiteout = classify_whiteout(entry_name);
    if (!whiteout) return std::move(whiteout).error();
    if (whiteout->kind != WhiteoutKind::None) {
      if (whiteout->kind == WhiteoutKind::Meta) continue;
      if (auto applied = apply_whiteout(root->get(), *whiteout); !applied)
        return std::move(applied).error().context("entry " + gocker::quoted(entry_name));
      continue;  // the parser skips the (empty) entry's data
    }

    // ARCHIVE_WARN (e.g. an xattr the filesystem refuses) keeps the entry; ARCHIVE_FAILED is how
    // the SECURE_* checks refuse one, and a refused entry fails the whole layer.
    status = archive_write_header(writer.get(), entry);
    if (status < ARCHIVE_WARN) {
      return Error::invalid("entry " + gocker::quoted(entry_name) + ": " + archive_message(writer.get()));
    }
    if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_hardlink(entry) == nullptr) {
      layer.size += archive_entry_size(entry);
    }
    while (true) {
      const void* block = nullptr;
      size_t length = 0;
      la_int64_t offset = 0;
      status = archive_read_data_block(inner.get(), &block, &length, &offset);
      if (status == ARCHIVE_EOF) break;
      if (status < ARCHIVE_WARN) {
        return Error::invalid("entry " + gocker::quoted(entry_name) + ": read: " + archive_message(inner.get()));
      }
      if (archive_write_data_block(writer.get(), block, length, offset) < ARCHIVE_WARN) {
        return Error::internal("entry " + gocker::quoted(entry_name) + ": write: " + archive_message(writer.get()));
      }
    }
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) {
      return Error::internal("entry " + gocker::quoted(entry_name) + ": " + archive_message(writer.get()));
    }
  }
  // Directory modes and times are applied last (a read-only directory must still receive its
  // children), by close.
  if (archive_write_close(writer.get()) < ARCHIVE_WARN) {
    return Error::internal("finish extraction: " + archive_message(writer.get()));
  }
  // The tar parser stops at the end-of-archive blocks; whatever follows (padding to the record
  // size) is part of the uncompressed stream and of its digest.
  const void* rest = nullptr;
  while (true) {
    la_ssize_t count = read_decompressed(inner.get(), &stream, &rest);
    if (count == 0) break;
    if (count < 0) return Error::invalid("read: " + stream.error);
  }
  layer.diff_id = stream.hash.finish();
  if (layer.diff_id.empty()) return Error::internal("sha256: OpenSSL digest failed");
  return layer;
}

// Body of the extraction thread. unshare(CLONE_FS) gives this thread its own working directory
// and root (unshare(2)), so it can chdir into the layer without moving the daemon's other threads,
// and libarchive sees relative entry names (its SECURE_NOABSOLUTEPATHS check would refuse an
// absolute prefix of ours). As root it also chroots there, so even a path the SECURE_* checks
// missed resolves inside the layer, like openat2's RESOLVE_IN_ROOT. The thread ends with
// extraction, taking the changed fs state with it.
Result<ExtractedLayer> extract_in_private_fs(const LayerSource& source, int keep_fd, const std::string& target_dir) {
  if (::unshare(CLONE_FS) != 0) return Error::from_errno(errno, "unshare(CLONE_FS)");
  if (::chdir(target_dir.c_str()) != 0) return Error::from_errno(errno, "chdir " + gocker::quoted(target_dir));
  if (::chroot(".") == 0) {
    if (::chdir("/") != 0) return Error::from_errno(errno, "chdir / in " + gocker::quoted(target_dir));
  } else if (errno != EPERM) {
    return Error::from_errno(errno, "chroot " + gocker::quoted(target_dir));
  }
  // Without CAP_SYS_CHROOT (unit tests as a user), the SECURE_* flags are the containment.
  return extract_here(source, keep_fd);
}

Result<ExtractedLayer> extract_layer(const LayerSource& source, int keep_fd, const std::string& target_dir) {
  std::optional<Result<ExtractedLayer>> result;
  try {
    std::thread worker([&result, &source, keep_fd, &target_dir] {
      try {
        result.emplace(extract_in_private_fs(source, keep_fd, target_dir));
      } catch (const std::exception& e) {  // std::bad_alloc: an exception must not end the daemon
        result.emplace(Error::internal(std::string("extract: ") + e.what()));
      }
    });
    worker.join();
  } catch (const std::system_error& e) {
    return Error::internal(std::string("start extraction thread: ") + e.what());
  }
  return std::move(*result);
}

bool is_lower_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

}  // namespace

std::string sha256_digest(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.finish();
}

Result<std::string> sha256_of_range(int fd, int64_t offset, int64_t length) {
  Sha256 hash;
  if (!hash.valid()) return Error::internal("sha256: cannot initialize OpenSSL digest");
  std::vector<char> buffer(kReadBlockSize);
  while (length > 0) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(length, static_cast<int64_t>(buffer.size())));
    ssize_t count = ::pread(fd, buffer.data(), want, offset);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return Error::from_errno(errno, "read for sha256");
    if (count == 0) return Error::invalid("unexpected end of file");
    if (!hash.update(buffer.data(), static_cast<size_t>(count))) return Error::internal("sha256 update failed");
    offset += count;
    length -= count;
  }
  std::string digest = hash.finish();
  if (digest.empty()) return Error::internal("sha256: OpenSSL digest failed");
  return digest;
}

std::string layer_chain_id(std::string_view parent_chain_id, std::string_view diff_id) {
  if (parent_chain_id.empty()) return std::string(diff_id);
  std::string joined;
  joined.reserve(parent_chain_id.size() + 1 + diff_id.size());
  joined.append(parent_chain_id).append(" ").append(diff_id);
  return sha256_digest(joined);
}

ImageStore::ImageStore(state::Store& store, std::string root)
    : store_(store),
      root_(std::move(root)),
      layers_dir_(root_ + "/layers/sha256"),
      tmp_dir_(root_ + "/layers/tmp"),
      tars_dir_(root_ + "/layers/tar") {}

Status ImageStore::load() {
  // Layers hold whole root filesystems (setuid binaries included): only root may walk into them.
  GOCKER_TRY(make_directory(root_ + "/layers", 0700));
  GOCKER_TRY(make_directory(layers_dir_, 0700));
  GOCKER_TRY(make_directory(tmp_dir_, 0700));
  GOCKER_TRY(make_directory(tars_dir_, 0700));
  // Anything in tmp is an import a crash interrupted; it was never registered.
  std::error_code error;
  for (const auto& leftover : std::filesystem::directory_iterator(tmp_dir_, error)) {
    std::error_code remove_error;
    std::filesystem::remove_all(leftover.path(), remove_error);
    if (remove_error) {
      return Error::from_errno(remove_error.value(), "remove interrupted import " + gocker::quoted(leftover.path().string()));
    }
  }
  if (error) return Error::from_errno(error.value(), "list " + gocker::quoted(tmp_dir_));
  return reload_index();
}

Status ImageStore::reload_index() {
  auto images = store_.list_images();
  if (!images) return std::move(images).error().context("load image index");
  auto layers = store_.list_layers();
  if (!layers) return std::move(layers).error().context("load image index");

  std::unique_lock lock(index_mutex_);
  images_ = std::move(images.value());
  by_hex_id_.clear();
  by_tag_.clear();
  layer_paths_.clear();
  for (size_t i = 0; i < images_.size(); ++i) {
    std::string_view id = images_[i].id;
    if (starts_with(id, "sha256:")) id.remove_prefix(7);
    by_hex_id_.emplace(std::string(id), i);
    for (const auto& tag : images_[i].tags) by_tag_.emplace(tag, i);
  }
  layers_.clear();
  for (auto& layer : layers.value()) {
    layer_paths_.emplace(layer.chain_id, layer.path);
    layers_.emplace(layer.chain_id, std::move(layer));
  }
  return ok();
}

Result<state::LayerRecord> ImageStore::import_layer_tar(const std::string& tar_path, const std::string& parent_chain_id) {
  UniqueFd tar(::open(tar_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!tar) return Error::from_errno(errno, "import layer " + gocker::quoted(tar_path) + ": open");
  auto layer = import_layer(LayerSource{tar.get(), 0, -1}, parent_chain_id);
  if (!layer) return std::move(layer).error().context("import layer " + gocker::quoted(tar_path));
  return layer;
}

std::string ImageStore::layer_tar_path(std::string_view chain_id) const {
  if (starts_with(chain_id, "sha256:")) chain_id.remove_prefix(7);
  return tars_dir_ + "/" + std::string(chain_id) + ".tar";
}

Result<state::LayerRecord> ImageStore::import_layer(const LayerSource& source, const std::string& parent_chain_id) {
  std::string temp_dir = tmp_dir_ + "/import-XXXXXX";
  if (::mkdtemp(temp_dir.data()) == nullptr) return Error::from_errno(errno, "mkdtemp in " + gocker::quoted(tmp_dir_));
  ScopeGuard remove_temp([&temp_dir] {
    std::error_code ignored;  // best effort; load() removes what is left after a crash
    std::filesystem::remove_all(temp_dir, ignored);
  });
  // mkdtemp makes 0700; a tar without a "./" entry would leave the container's / unreadable to users.
  if (::chmod(temp_dir.c_str(), 0755) != 0) return Error::from_errno(errno, "chmod " + gocker::quoted(temp_dir));
  // The uncompressed tar is kept beside the layer (unnamed until the layer is whole), because
  // save must hand out exactly the bytes whose digest is the diff id.
  auto kept = open_anonymous_file(tmp_dir_);
  if (!kept) return std::move(kept).error();

  auto extracted = extract_layer(source, kept->get(), temp_dir);
  if (!extracted) return std::move(extracted).error();

  state::LayerRecord layer;
  layer.diff_id = extracted->diff_id;
  layer.parent_chain_id = parent_chain_id;
  layer.chain_id = layer_chain_id(parent_chain_id, layer.diff_id);
  layer.size = extracted->size;
  layer.path = layers_dir_ + "/" + layer.chain_id.substr(std::string_view("sha256:").size());

  // The tar goes into place first: a layer directory that exists has its tar (a tar without its
  // directory, left by a crash in between, is only wasted space).
  const std::string tar_path = layer_tar_path(layer.chain_id);
  if (::linkat(AT_FDCWD, reopen_path(kept->get()).c_str(), AT_FDCWD, tar_path.c_str(), AT_SYMLINK_FOLLOW) != 0 &&
      errno != EEXIST) {
    return Error::from_errno(errno, "keep the layer tar as " + gocker::quoted(tar_path));
  }
  // rename(2) is atomic and refuses a non-empty target: whichever import of the same layer gets
  // there first wins, and the others drop their copy.
  if (::rename(temp_dir.c_str(), layer.path.c_str()) != 0) {
    if (errno != EEXIST && errno != ENOTEMPTY) {
      return Error::from_errno(errno, "rename into " + gocker::quoted(layer.path));
    }
    return layer;  // the guard drops our copy
  }
  remove_temp.dismiss();
  return layer;
}

Result<UniqueFd> ImageStore::open_layer_tar(const std::string& chain_id) const {
  const std::string path = layer_tar_path(chain_id);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT)
      return Error::not_found("layer " + chain_id + " has no kept tar (stored by an older gocker); it cannot be saved");
    return Error::from_errno(errno, "open " + gocker::quoted(path));
  }
  return fd;
}

bool ImageStore::has_layer(const std::string& chain_id) const {
  std::shared_lock lock(index_mutex_);
  return layers_.count(chain_id) != 0;
}

std::optional<state::LayerRecord> ImageStore::find_layer(const std::string& chain_id) const {
  std::shared_lock lock(index_mutex_);
  if (auto found = layers_.find(chain_id); found != layers_.end()) return found->second;
  return std::nullopt;
}

Result<state::ImageRecord> ImageStore::ensure_builtin_image(const std::string& tar_path) {
  const std::string reference(kBuiltinImageReference);
  {
    std::shared_lock lock(index_mutex_);
    if (auto found = by_tag_.find(reference); found != by_tag_.end()) return images_[found->second];
  }
  auto layer = import_layer_tar(tar_path);
  if (!layer) return std::move(layer).error();

  const int64_t created = builtin_created_seconds(layer->path);
  const std::string created_text = format_rfc3339_nanos(created * 1'000'000'000);
  nlohmann::json config = {
      {"architecture", image_architecture()},
      {"os", "linux"},
      {"created", created_text},
      {"config", {{"Env", {kBuiltinPath}}, {"Cmd", {"sh"}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {layer->diff_id}}}},
      {"history", {{{"created", created_text}, {"created_by", "gocker: built-in busybox image (Debian busybox-static)"}}}},
  };
  state::ImageRecord image;
  image.config_json = config.dump();
  image.id = sha256_digest(image.config_json);
  image.layer_chain_ids = {layer->chain_id};
  image.tags = {reference};
  image.created = created;
  image.size = layer->size;
  GOCKER_TRY(put_image(image, {layer.value()}));
  return resolve(reference);
}

Status ImageStore::put_image(const state::ImageRecord& image, const std::vector<state::LayerRecord>& layers) {
  if (auto status = store_.put_image(image, layers); !status) return status;
  return reload_index();
}

Result<state::ImageRecord> ImageStore::resolve(std::string_view ref) const {
  std::shared_lock lock(index_mutex_);
  std::string_view hex = ref;
  const bool names_an_id = starts_with(ref, "sha256:");
  if (names_an_id) hex.remove_prefix(7);

  if (hex.size() == 64 && is_lower_hex(hex)) {
    if (auto found = by_hex_id_.find(hex); found != by_hex_id_.end()) return images_[found->second];
  }
  // A tag wins over an id prefix, as in Docker: an image tagged "cafe" is found by "cafe".
  if (!names_an_id) {
    if (auto normalized = normalize_reference(ref)) {
      if (auto found = by_tag_.find(normalized.value()); found != by_tag_.end()) return images_[found->second];
    }
  }
  if (hex.size() < 64 && is_lower_hex(hex)) {
    auto first = by_hex_id_.lower_bound(hex);
    if (first != by_hex_id_.end() && starts_with(first->first, hex)) {
      auto second = std::next(first);
      if (second != by_hex_id_.end() && starts_with(second->first, hex)) {
        return Error::invalid("multiple images found with provided prefix: " + std::string(ref));
      }
      return images_[first->second];
    }
  }
  return Error::not_found("No such image: " + std::string(ref));
}

std::vector<std::string> ImageStore::layer_dirs(const state::ImageRecord& image) const {
  std::shared_lock lock(index_mutex_);
  std::vector<std::string> dirs;
  dirs.reserve(image.layer_chain_ids.size());
  for (auto chain_id = image.layer_chain_ids.rbegin(); chain_id != image.layer_chain_ids.rend(); ++chain_id) {
    if (auto found = layer_paths_.find(*chain_id); found != layer_paths_.end()) dirs.push_back(found->second);
  }
  return dirs;
}


std::vector<state::ImageRecord> ImageStore::list() const {
  std::shared_lock lock(index_mutex_);
  return images_;
}

}  // namespace gocker::engine
