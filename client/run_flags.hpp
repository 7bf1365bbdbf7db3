#pragma once
// `run` and `create` flags, and their translation into the POST /containers/create body, the way
// the docker CLI does it. Pure: the client environment comes in through a lookup function and the
// only file read is an --env-file, so all of it is unit-tested without a daemon.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "api/network_types.hpp"
#include "outcome.hpp"

namespace gocker::client {

struct RunFlags {
  bool detach = false;  // run only
  bool interactive = false;
  bool tty = false;
  bool auto_remove = false;
  bool init = false;  // --init
  std::string runtime;  // --runtime
  std::string name;
  std::vector<std::string> env;        // -e KEY=VALUE or -e KEY (from the client's environment)
  std::vector<std::string> env_files;  // --env-file, applied before -e as docker does
  std::vector<std::string> labels;     // -l KEY=VALUE
  std::vector<std::string> label_files;  // --label-file, applied before -l as docker does
  std::string restart;                 // --restart no|always|unless-stopped|on-failure[:N]
  std::string workdir;
  std::string user;
  std::string hostname;
  std::string memory;       // docker size text: "64m"
  std::string memory_swap;  // size text or "-1"
  std::string cpus;         // decimal: "1.5"
  int64_t cpu_shares = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::optional<int64_t> pids_limit;
  std::optional<std::string> entrypoint;  // set and empty: clear the image's entrypoint
  std::vector<std::string> volumes;       // -v src:dst[:mode] or -v /path (anonymous)
  std::vector<std::string> mounts;        // --mount type=...,source=...,target=...
  std::vector<std::string> tmpfs;         // --tmpfs /path[:options]
  std::vector<std::string> volumes_from;  // --volumes-from container[:ro|:rw]
  bool read_only = false;                 // --read-only
  // networking (issue 6)
  std::vector<std::string> publish;  // -p [ip:][hostPort:]containerPort[/proto], ranges allowed
  bool publish_all = false;          // -P
  std::vector<std::string> expose;   // --expose port[/proto]
  std::string network;               // --network / --net
  std::string ip;                    // --ip
  std::vector<std::string> network_aliases;
  std::vector<std::string> dns, dns_search, dns_options, add_hosts;
  // ---- security ----
  bool privileged = false;
  std::string userns;  // --userns host|private
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  std::vector<std::string> security_opt;  // seccomp=PATH is sent as the file's content, as docker does
  std::vector<std::string> ulimits;       // nofile=1024[:2048]
  int oom_score_adj = 0;
  std::vector<std::string> sysctls;  // KEY=VALUE
  std::vector<std::string> devices;  // /dev/x[:/dev/y][:rwm]
  // ---- end security ----
  std::string image;
  std::vector<std::string> command;  // everything after the image, verbatim
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real client environment, for production use.
std::optional<std::string> lookup_process_env(const std::string& name);

// Adds the container flags to `command` (`run` passes with_detach = true) and makes the command
// stop option parsing at the image: the image and what follows land in command.remaining().
// `-h` means --hostname there, as in docker, so the help flag is --help only.
void add_container_flags(CLI::App& command, RunFlags& flags, bool with_detach);

// After parsing: takes the image and the command from command.remaining(). An unknown flag before
// the image is a usage error, as is a missing image.
Outcome<void> take_image_and_command(CLI::App& command, RunFlags& flags);

// Docker's env-file format: one VAR=VALUE per line (value passed through untrimmed), a bare VAR
// takes the client's value or is dropped, blank lines and '#' comments skipped.
Outcome<std::vector<std::string>> parse_env_file(std::string_view content, const EnvLookup& lookup);

// --cpus as NanoCpus: "1.5" -> 1500000000; more than 9 decimals is "too precise", as in docker.
Outcome<int64_t> parse_nano_cpus(std::string_view text);

// --restart as HostConfig.RestartPolicy {Name, MaximumRetryCount}: "on-failure:3" -> on-failure, 3.
// The daemon judges the name; only the shape is checked here, as the docker CLI does.
Outcome<nlohmann::json> parse_restart_policy(std::string_view text);

// One --mount value (docker's CSV form) as a HostConfig.Mounts entry.
Outcome<nlohmann::json> parse_mount_flag(std::string_view text);
// One -p spec as docker expands it: ("80/tcp", {HostIp, HostPort}) per container port.
Outcome<std::vector<std::pair<std::string, api::PortBinding>>> parse_publish(std::string_view spec);

// The JSON body of POST /containers/create (Config fields at the top, HostConfig inside).
Outcome<nlohmann::json> build_create_request(const RunFlags& flags, const EnvLookup& lookup,
                                             std::string_view command_name);

}  // namespace gocker::client
