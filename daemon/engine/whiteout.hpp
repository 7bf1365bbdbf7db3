#pragma once
// Whiteouts: how a layer says "this path of the layers below is gone".
//
// In a layer tar (the OCI image spec's "Representing Changes", from AUFS):
//   dir/.wh.name        `dir/name` of the lower layers is deleted
//   dir/.wh..wh..opq    `dir` is opaque: nothing of the lower layers' `dir` shows through,
//                       only what this layer (and those above) put there
// On disk, as overlayfs reads a lowerdir or writes an upperdir
// (https://docs.kernel.org/filesystems/overlayfs.html, "whiteouts and opaque directories"):
//   dir/name            a character device with device number 0/0
//   dir                 carries the xattr trusted.overlay.opaque = "y"
// Applying a layer turns the first form into the second; diffing an upper dir does the reverse.
// Other ".wh..wh." names (AUFS's hard-link bookkeeping, ".wh..wh.plnk") carry nothing and are
// dropped. The pure functions here are unit-tested; the two that touch disk take a directory fd
// already resolved inside the layer, so a whiteout can never be made outside it.
#include <sys/stat.h>

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace gocker::engine {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
inline constexpr std::string_view kOpaqueWhiteoutName = ".wh..wh..opq";
inline constexpr const char* kOverlayOpaqueXattr = "trusted.overlay.opaque";
// Overlayfs keeps its own bookkeeping in this namespace (origin, impure, redirect...): meaningful
// only to the mount that wrote it, so never part of a layer.
inline constexpr std::string_view kOverlayXattrPrefix = "trusted.overlay.";

enum class WhiteoutKind {
  None,    // an ordinary entry
  Remove,  // ".wh.<name>": delete <name>
  Opaque,  // ".wh..wh..opq": the directory is opaque
  Meta,    // another ".wh..wh." name: ignored
};

struct WhiteoutEntry {
  WhiteoutKind kind = WhiteoutKind::None;
  std::string directory;  // the entry's directory as the tar names it ("" for the top), no trailing "/"
  std::string target;     // Remove: the name being deleted
};

// Classifies a tar entry name ("./a/b/.wh.c", "a/.wh..wh..opq"). A Remove whose target is empty,
// "." or ".." is InvalidArgument: a crafted name, not a whiteout.
Result<WhiteoutEntry> classify_whiteout(std::string_view entry_name);

// The tar name that deletes `name` in `directory` ("" for the top): "directory/.wh.name".
std::string whiteout_entry_name(std::string_view directory, std::string_view name);
// The tar name that makes `directory` opaque: "directory/.wh..wh..opq".
std::string opaque_entry_name(std::string_view directory);

// Whether a stat describes an overlay whiteout (a 0/0 character device).
bool is_overlay_whiteout(const struct stat& info);

// Creates the overlay whiteout `name` in the directory `dir_fd`, replacing a non-directory of that
// name (a layer may first add a file and then delete it).
Status make_overlay_whiteout(int dir_fd, const std::string& name);
// Marks the directory (an fd opened O_RDONLY | O_DIRECTORY) opaque.
Status set_overlay_opaque(int dir_fd);
// Whether the directory `path` carries trusted.overlay.opaque = "y".
bool is_overlay_opaque(const std::string& path);

}  // namespace gocker::engine
