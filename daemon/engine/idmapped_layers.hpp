#pragma once
// Image layers seen through a remap (gockerd --userns-remap): each layer directory is bound with
// an id mapping (an idmapped mount, Linux 5.12+) so files the image gives to root appear owned by
// the remapped root, without copying or chowning the shared, read-only layer store. Overlayfs
// refuses to be idmapped itself but takes idmapped lower layers; once the overlay is mounted it
// holds its own references to them, so the binds are detached right away.
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "engine/userns_remap.hpp"

namespace gocker::engine {

// A user namespace with the remap's uid and gid maps and no process in it (the fd keeps it alive):
// what mount_setattr(MOUNT_ATTR_IDMAP) takes to describe a mapping.
Result<UniqueFd> create_mapping_user_namespace(const IdRemap& remap);

// Idmapped binds of `layers` (top first) at <scratch_dir>/<index>; the scratch dir is created
// and, with the binds, removed again when this goes away.
class IdmappedLayerBinds {
 public:
  static Result<IdmappedLayerBinds> create(const std::vector<std::string>& layers, int userns_fd,
                                           const std::string& scratch_dir);
  IdmappedLayerBinds(IdmappedLayerBinds&& other) noexcept;
  IdmappedLayerBinds& operator=(IdmappedLayerBinds&&) = delete;
  ~IdmappedLayerBinds();

  const std::vector<std::string>& paths() const { return paths_; }

 private:
  explicit IdmappedLayerBinds(std::string scratch_dir) : scratch_dir_(std::move(scratch_dir)) {}
  std::string scratch_dir_;
  std::vector<std::string> paths_;    // the bind mount points, top layer first
  std::vector<bool> mounted_;         // parallel to paths_
};

}  // namespace gocker::engine
