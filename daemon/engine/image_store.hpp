#pragma once
// The image and layer store: content-addressed layers on disk, their metadata in state::Store, and
// an in-memory index so image lookups on the request path never scan a table.
//
// On-disk layout under the daemon root (OCI image spec terms):
//   <root>/layers/sha256/<hex of chain id>/   one extracted layer, never modified once in place;
//                                              an overlay lowerdir as it stands
//   <root>/layers/tar/<hex of chain id>.tar    the layer's uncompressed tar as imported (its sha256
//                                              is the diff id): what save hands out
//   <root>/layers/tmp/import-XXXXXX/           a layer being extracted; renamed into place when
//                                              complete, so a layer directory that exists is whole.
//                                              Leftovers of a crash are removed by load().
// A layer's diff id is the sha256 of its uncompressed tar stream; its chain id is the diff id for
// a base layer and sha256(parent chain id + " " + diff id) above one. An image id is "sha256:" +
// sha256 of its config JSON bytes, exactly as stored. Tags are normalized references
// ("docker.io/library/busybox:latest", see engine/reference.hpp).
//
// Thread safety: all methods may be called from any thread. Writers (imports, put_image) go
// through this class, never through state::Store directly, so the index stays current.
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "state/store.hpp"

namespace gocker::engine {

inline constexpr std::string_view kBuiltinImageReference = "docker.io/library/busybox:latest";

// "sha256:" + lowercase hex of the sha256 of bytes.
std::string sha256_digest(std::string_view bytes);

// "sha256:<hex>" of `length` bytes at `offset` of `fd`, read in pieces.
Result<std::string> sha256_of_range(int fd, int64_t offset, int64_t length);

// The chain id of a layer with the given diff id on top of parent_chain_id ("" for a base layer).
std::string layer_chain_id(std::string_view parent_chain_id, std::string_view diff_id);

// A layer tar to import: `length` bytes from `offset` of `fd` (to the end of the file when
// negative), read with pread, so it may be a member of a larger archive (image load).
struct LayerSource {
  int fd = -1;
  int64_t offset = 0;
  int64_t length = -1;
};

class ImageStore {
 public:
  // Cheap; nothing is touched until load().
  ImageStore(state::Store& store, std::string root);
  ImageStore(const ImageStore&) = delete;
  ImageStore& operator=(const ImageStore&) = delete;

  // Creates <root>/layers/{sha256,tmp}, removes leftovers of interrupted imports and loads the
  // index from the store. Call once, before anything else.
  Status load();

  // Extracts an (optionally gzip/zstd/xz compressed) layer tar into the layer store and returns
  // its record; the layer is registered in the database by put_image, with its image. Importing a
  // layer that is already present is cheap on disk: the new copy is dropped. Extraction cannot
  // write outside the layer directory: absolute paths, ".." and paths through symlinks are refused
  // (InvalidArgument, nothing kept). Ownership, modes, times, xattrs and hard links are kept.
  // Whiteouts (".wh.name", ".wh..wh..opq") become overlay whiteouts and opaque directories
  // (engine/whiteout.hpp).
  Result<state::LayerRecord> import_layer_tar(const std::string& tar_path, const std::string& parent_chain_id = "");
  // The same from a range of a file (image load).
  Result<state::LayerRecord> import_layer(const LayerSource& source, const std::string& parent_chain_id = "");

  // Imports the built-in busybox rootfs tar as docker.io/library/busybox:latest unless that tag
  // already exists; returns the image either way.
  Result<state::ImageRecord> ensure_builtin_image(const std::string& tar_path);

  // Registers the image, its new layers and its tags (moving each tag from any other image) in one
  // transaction, then refreshes the index. image.id must be the digest of image.config_json.
  Status put_image(const state::ImageRecord& image, const std::vector<state::LayerRecord>& layers);

  // Finds an image by tag in any of Docker's short forms ("busybox", "busybox:latest",
  // "library/busybox", "docker.io/library/busybox:latest"), by id ("sha256:<hex>", "<hex>") or by a
  // unique id prefix (with or without "sha256:"). NotFound "No such image: <ref>";
  // InvalidArgument when a prefix matches several images.
  Result<state::ImageRecord> resolve(std::string_view ref) const;

  // The image's layer directories, top first, as overlayfs wants its lowerdir list. Never fails:
  // every layer of a stored image is in the store (the database's foreign keys guarantee it).
  std::vector<std::string> layer_dirs(const state::ImageRecord& image) const;

  // All images, newest first.
  std::vector<state::ImageRecord> list() const;

  const std::string& root() const { return root_; }

  // ---- images (issue 5): commit, import, tag, remove, history ----
  // Where commit and import keep their temporary files (<root>/layers/tmp, emptied by load()).
  const std::string& tmp_dir() const { return tmp_dir_; }
  // Stores a new image: id = digest of config_json as given, size = the sum of its layers, the
  // layers already imported by import_layer_tar. Returns the stored record.
  Result<state::ImageRecord> create_image(std::string config_json, std::vector<state::LayerRecord> layers,
                                          const std::vector<std::string>& tags, int64_t created);
  // Points the normalized reference at the image.
  Status tag(const std::string& image_id, const std::string& normalized_reference);
  // Removes a normalized reference. NotFound if it names no image.
  Status untag(const std::string& normalized_reference);
  // Deletes the image and the layers only it used (state::Store::delete_image), their directories
  // included. Returns the deleted layers, top first.
  Result<std::vector<state::LayerRecord>> remove(const std::string& image_id);
  // The layers of the image, bottom first (as image.layer_chain_ids).
  std::vector<state::LayerRecord> layers_of(const state::ImageRecord& image) const;
  // Removes the directory of a layer import_layer_tar made when no image registered it after all
  // (a failed commit or import); a layer some image uses stays.
  void discard_if_unregistered(const state::LayerRecord& layer);
  // ---- save/load (images issue 5) ----
  // The kept uncompressed tar of a layer, opened for reading (its digest is the diff id). NotFound
  // for a layer imported before tars were kept.
  Result<UniqueFd> open_layer_tar(const std::string& chain_id) const;
  std::string layer_tar_path(std::string_view chain_id) const;
  bool has_layer(const std::string& chain_id) const;
  // The layer with this chain id, when the store has it (registry pulls skip those).
  std::optional<state::LayerRecord> find_layer(const std::string& chain_id) const;
  // ---- end images (issue 5) ----

 private:
  Status reload_index();

  state::Store& store_;
  std::string root_;
  std::string layers_dir_;  // <root>/layers/sha256
  std::string tmp_dir_;     // <root>/layers/tmp
  std::string tars_dir_;    // <root>/layers/tar

  mutable std::shared_mutex index_mutex_;
  std::vector<state::ImageRecord> images_;                  // newest first, as list() returns them
  std::map<std::string, size_t, std::less<>> by_hex_id_;    // hex id -> images_ index; ordered for prefix search
  std::unordered_map<std::string, size_t> by_tag_;          // normalized reference -> images_ index
  std::unordered_map<std::string, std::string> layer_paths_;  // chain id -> directory
  std::unordered_map<std::string, state::LayerRecord> layers_;  // chain id -> record (issue 5)
};

}  // namespace gocker::engine
