#pragma once
// The archive endpoints of docker cp, which ApiClient's JSON-shaped calls do not cover: a response
// header to read (X-Docker-Container-Path-Stat), a tar body to stream out, and a tar body to send.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "host.hpp"
#include "outcome.hpp"

namespace gocker::client {

// The decoded X-Docker-Container-Path-Stat header (moby's container.PathStat).
struct ContainerPathStat {
  std::string name;
  int64_t size = 0;
  uint32_t mode = 0;  // Go's os.FileMode bits
  std::string link_target;
  bool is_directory() const { return (mode & (1u << 31)) != 0; }
  bool is_symlink() const { return (mode & (1u << 27)) != 0; }
};

// Base64 JSON -> stat; a malformed header is a Transport failure.
Outcome<ContainerPathStat> decode_path_stat(std::string_view header);

// HEAD: the stat, or a Daemon failure (http_status 404 when the path or container is missing).
Outcome<ContainerPathStat> stat_container_path(const DaemonAddress& address, const std::string& container,
                                               const std::string& path);
// GET: hands the tar to `sink` piece by piece; returns the stat from the head.
using ArchiveSink = std::function<Outcome<void>(std::string_view piece)>;
Outcome<ContainerPathStat> get_container_archive(const DaemonAddress& address, const std::string& container,
                                                 const std::string& path, const ArchiveSink& sink);
// PUT: extracts `tar` into the directory `path` of the container.
Outcome<void> put_container_archive(const DaemonAddress& address, const std::string& container, const std::string& path,
                                    bool copy_uid_gid, std::string tar);

}  // namespace gocker::client
