// gockerctl cp, attach.
//
// cp follows the docker CLI (cli/command/container/cp.go and moby's pkg/archive copy rules):
//   - one side is CONTAINER:PATH, the other a local path or "-" (a tar on stdin/stdout);
//   - the container side is asked for its stat first (HEAD, or the head of the GET), and the
//     archive is renamed ("rebased") so that the copy lands where `cp -a` would put it:
//       dest is an existing directory  -> SRC goes inside it (SRC/. : its contents do);
//       dest is an existing file       -> replaced by SRC (a directory cannot replace a file);
//       dest does not exist            -> created as SRC's copy, its parent must exist;
//   - -L follows a symlink given as SRC; -a keeps uid/gid.
// The container side does the extraction contained in the container's rootfs (the daemon's job);
// the local side uses client/tar_codec, contained in the destination directory.
//
// attach connects to a running container's streams, as `docker attach`: stdin unless --no-stdin,
// the detach keys (ctrl-p ctrl-q by default, --detach-keys) on a tty end the attach and leave the
// container running; otherwise the exit code is the container's.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "api/container_types.hpp"
#include "archive_http.hpp"
#include "attach_session.hpp"
#include "commands.hpp"
#include "detach_watch.hpp"
#include "messages.hpp"
#include "signal_relay.hpp"
#include "stream_pump.hpp"
#include "tar_codec.hpp"
#include "terminal.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

// ---- cp: arguments ------------------------------------------------------------------------------

struct CpFlags {
  bool archive = false;
  bool follow_link = false;
  std::string source;
  std::string destination;
};

struct CpEndpoint {
  std::string container;  // empty: local
  std::string path;
};

// docker's splitCpArg: an absolute path is local even with a colon; so is "./a:b".
CpEndpoint split_cp_argument(const std::string& argument) {
  if (!argument.empty() && argument.front() == '/') return {"", argument};
  size_t colon = argument.find(':');
  if (colon == std::string::npos || argument.front() == '.') return {"", argument};
  return {argument.substr(0, colon), argument.substr(colon + 1)};
}

bool ends_with_separator(const std::string& path) { return !path.empty() && path.back() == '/'; }
bool ends_with_dot(const std::string& path) {
  return path == "." || (path.size() >= 2 && path.compare(path.size() - 2, 2, "/.") == 0);
}

// filepath.Base for the parts that matter here.
std::string base_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path == "/") return "/";
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
std::string parent_dir(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Failure local_errno(const std::string& what, int err) { return Failure::local(what + ": " + std::strerror(err)); }

// ---- cp: the two directions -------------------------------------------------------------------

Outcome<void> copy_from_container(const DaemonAddress& address, const CpFlags& flags, const CpEndpoint& source,
                                  const std::string& destination) {
  std::string source_path = source.path;
  if (flags.follow_link) {
    auto stat = stat_container_path(address, source.container, source_path);
    if (!stat) return std::move(stat).error();
    // The archive then holds the link's target, named after it; the copy keeps the link's name.
    if (stat->is_symlink() && !stat->link_target.empty()) source_path = stat->link_target;
  }

  if (destination == "-") {
    auto got = get_container_archive(address, source.container, source_path,
                                     [](std::string_view piece) { return write_all(STDOUT_FILENO, piece); });
    if (!got) return std::move(got).error();
    return {};
  }

  std::string collected;
  auto got = get_container_archive(address, source.container, source_path, [&collected](std::string_view piece) {
    collected.append(piece);
    return Outcome<void>{};
  });
  if (!got) return std::move(got).error();
  const bool source_is_dir = got->is_directory();
  // The daemon names the entries after the path it archived (its stat's name).
  const std::string source_name = got->name == "/" ? "." : got->name;
  const std::string original_name = base_name(source.path);

  struct stat info {};
  const bool exists = ::stat(destination.c_str(), &info) == 0;
  std::string extract_dir;
  std::string to_name;
  if (exists && S_ISDIR(info.st_mode)) {
    extract_dir = destination;
    // "SRC/." copies the contents: the "." top entry maps onto the destination itself.
    to_name = (source_is_dir && ends_with_dot(source.path)) ? "." : original_name;
  } else if (exists) {
    if (source_is_dir) return Failure::local("cannot copy directory to file");
    extract_dir = parent_dir(destination);
    to_name = base_name(destination);
  } else {
    if (ends_with_separator(destination) && !source_is_dir)
      return Failure::local("destination directory " + destination + " does not exist");
    extract_dir = parent_dir(destination);
    struct stat parent {};
    if (::stat(extract_dir.c_str(), &parent) != 0) return local_errno("lstat " + extract_dir, errno);
    to_name = base_name(destination);
  }
  return extract_tar_locally(collected, extract_dir, source_name, to_name, flags.archive);
}

Outcome<std::string> read_all_stdin() {
  std::string data;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return local_errno("read stdin", errno);
    if (n == 0) return data;
    data.append(buffer, static_cast<size_t>(n));
  }
}

Outcome<void> copy_to_container(const DaemonAddress& address, const CpFlags& flags, const std::string& source,
                                 const CpEndpoint& destination) {
  if (source == "-") {
    auto tar = read_all_stdin();
    if (!tar) return std::move(tar).error();
    return put_container_archive(address, destination.container, destination.path, flags.archive, std::move(*tar));
  }
  struct stat info {};
  if ((flags.follow_link ? ::stat(source.c_str(), &info) : ::lstat(source.c_str(), &info)) != 0)
    return local_errno("lstat " + source, errno);
  const bool source_is_dir = S_ISDIR(info.st_mode);

  // Where it goes: the destination's stat, following a symlink there as docker does.
  std::string destination_path = destination.path;
  auto stat = stat_container_path(address, destination.container, destination_path);
  if (stat && stat->is_symlink() && !stat->link_target.empty()) {
    destination_path = stat->link_target;
    stat = stat_container_path(address, destination.container, destination_path);
  }
  if (!stat && stat.error().http_status != 404) return std::move(stat).error();
  if (!stat && stat.error().message.find("No such container") != std::string::npos) return std::move(stat).error();

  std::string extract_dir;
  std::string top_name;
  if (stat && stat->is_directory()) {
    extract_dir = destination_path;
    top_name = (source_is_dir && ends_with_dot(source)) ? "." : base_name(source);
  } else if (stat) {
    if (source_is_dir) return Failure::local("cannot copy directory to file");
    extract_dir = parent_dir(destination_path);
    top_name = base_name(destination_path);
  } else {
    if (ends_with_separator(destination.path) && !source_is_dir)
      return Failure::local("destination directory " + destination.container + ":" + destination.path + " does not exist");
    extract_dir = parent_dir(destination_path);
    top_name = base_name(destination_path);
  }
  std::string tar;
  if (auto added = append_local_tree(tar, source, top_name, flags.follow_link, flags.archive); !added) return added;
  append_tar_end(tar);
  return put_container_archive(address, destination.container, extract_dir, flags.archive, std::move(tar));
}

int run_cp(const GlobalOptions& global, const CpFlags& flags) {
  CpEndpoint source = split_cp_argument(flags.source);
  CpEndpoint destination = split_cp_argument(flags.destination);
  if (source.container.empty() == destination.container.empty()) {
    std::cerr << (source.container.empty() ? "must specify at least one container source"
                                           : "copying between containers is not supported")
              << "\n";
    return kExitCommandFailure;
  }
  if ((!source.container.empty() && source.path.empty()) || (!destination.container.empty() && destination.path.empty())) {
    std::cerr << "filepath cannot be empty\n";
    return kExitCommandFailure;
  }
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  Outcome<void> copied = !source.container.empty()
                             ? copy_from_container(client->address(), flags, source, flags.destination)
                             : copy_to_container(client->address(), flags, flags.source, destination);
  if (!copied) {
    const Failure& failure = copied.error();
    std::cerr << (failure.kind == FailureKind::Local ? "Error: " : "") << failure.message << "\n";
    return exit_code_for(failure, kExitCommandFailure);
  }
  return 0;
}

// ---- attach -----------------------------------------------------------------------------------

struct AttachFlags {
  bool no_stdin = false;
  bool sig_proxy = true;
  std::string detach_keys;
  std::string container;
};

int run_attach(const GlobalOptions& global, const AttachFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  const std::string& container = flags.container;
  auto inspected = client->get_json(api_target(container_path(container, "/json")));
  if (!inspected) {
    print_failure(inspected.error());
    return exit_code_for(inspected.error(), kExitCommandFailure);
  }
  const nlohmann::json& state = (*inspected)["State"];
  if (!state.value("Running", false)) {
    std::cerr << "You cannot attach to a stopped container, start it first\n";
    return kExitCommandFailure;
  }
  if (state.value("Paused", false)) {
    std::cerr << "You cannot attach to a paused container, unpause it first\n";
    return kExitCommandFailure;
  }
  const nlohmann::json& config = (*inspected)["Config"];
  const bool tty = config.value("Tty", false);
  const bool attach_stdin = !flags.no_stdin && config.value("OpenStdin", false);
  const std::string id = inspected->value("Id", container);
  if (attach_stdin && tty && !is_terminal(STDIN_FILENO)) {
    std::cerr << "the input device is not a TTY\n";
    return kExitCommandFailure;
  }

  auto wait = client->begin(Method::Post, api_target(container_path(id, "/wait")));
  if (!wait) {
    print_failure(wait.error());
    return kExitCommandFailure;
  }
  auto stream = client->hijack(api_target(container_path(id, "/attach"), {{"stream", "1"},
                                                                         {"stdin", attach_stdin ? "1" : ""},
                                                                         {"stdout", "1"},
                                                                         {"stderr", "1"},
                                                                         {"detachKeys", flags.detach_keys}}));
  if (!stream) {
    print_failure(stream.error());
    return kExitCommandFailure;
  }
  auto relay = SignalRelay::install();
  if (!relay) {
    print_failure(relay.error());
    return kExitCommandFailure;
  }
  std::optional<RawTerminal> raw_terminal;
  if (tty && attach_stdin && is_terminal(STDIN_FILENO)) {
    auto entered = RawTerminal::enter(STDIN_FILENO);
    if (!entered) {
      print_failure(entered.error());
      return kExitCommandFailure;
    }
    raw_terminal.emplace(std::move(*entered));
  }
  std::shared_ptr<DetachWatch> watch;
  if (tty && attach_stdin) {
    auto started = DetachWatch::start(detach_key_bytes(flags.detach_keys));
    if (!started) {
      print_failure(started.error());
      return kExitCommandFailure;
    }
    watch = std::move(*started);
  }

  auto resize = [&client, &id] {
    auto size = window_size(STDOUT_FILENO);
    if (!size || size->rows == 0 || size->columns == 0) return;
    [[maybe_unused]] auto resized = client->call(
        Method::Post, api_target(container_path(id, "/resize"),
                                 {{"h", std::to_string(size->rows)}, {"w", std::to_string(size->columns)}}));
  };
  if (tty && is_terminal(STDOUT_FILENO)) resize();

  PumpOptions options;
  options.tty = tty;
  options.forward_stdin = attach_stdin;
  if (watch) options.stdin_fd = watch->read_fd();
  if (tty && is_terminal(STDOUT_FILENO)) options.on_window_change = resize;
  options.on_signal = [&client, &id, &flags, tty](int signal_number) {
    // docker proxies signals only for a non-tty attach (a tty's ^C is a byte for the container).
    if (!flags.sig_proxy || tty) {
      if (signal_number == SIGINT || signal_number == SIGTERM || signal_number == SIGHUP) std::_Exit(128 + signal_number);
      return;
    }
    const char* name = signal_name(signal_number);
    if (*name != '\0') [[maybe_unused]] auto forwarded = client->call(Method::Post, api_target(container_path(id, "/kill"), {{"signal", name}}));
  };
  auto pumped = pump_attach_stream(*stream, options, &*relay);
  if (raw_terminal) raw_terminal->restore();
  // Detached: the container runs on, and so the wait below would never end.
  if (watch && watch->detached()) return 0;
  if (!pumped) print_failure(pumped.error());

  auto reply = wait->finish();
  if (!reply) {
    print_failure(reply.error());
    return kExitCommandFailure;
  }
  if (reply->is_error()) {
    print_failure(daemon_failure(*reply));
    return kExitCommandFailure;
  }
  auto body = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  return body.is_object() ? body.value("StatusCode", 0) : kExitCommandFailure;
}

}  // namespace

void register_transfer_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto cp_flags = std::make_shared<CpFlags>();
  CLI::App* cp = app.add_subcommand("cp", "Copy files/folders between a container and the local filesystem");
  cp->add_flag("-a,--archive", cp_flags->archive, "Archive mode (copy all uid/gid information)");
  cp->add_flag("-L,--follow-link", cp_flags->follow_link, "Always follow symbol link in SRC_PATH");
  cp->add_option("SRC", cp_flags->source, "CONTAINER:SRC_PATH, a local path, or - (a tar on stdin)")->required();
  cp->add_option("DEST", cp_flags->destination, "CONTAINER:DEST_PATH, a local path, or - (a tar on stdout)")->required();
  table.push_back({cp, [&global, cp_flags] { return run_cp(global, *cp_flags); }});

  auto attach_flags = std::make_shared<AttachFlags>();
  CLI::App* attach = app.add_subcommand("attach", "Attach local standard input, output, and error streams to a running container");
  attach->add_flag("--no-stdin", attach_flags->no_stdin, "Do not attach STDIN");
  attach->add_option("--sig-proxy", attach_flags->sig_proxy, "Proxy all received signals to the process (default true)");
  attach->add_option("--detach-keys", attach_flags->detach_keys, "Override the key sequence for detaching a container");
  attach->add_option("CONTAINER", attach_flags->container)->required();
  table.push_back({attach, [&global, attach_flags] { return run_attach(global, *attach_flags); }});
}

}  // namespace gocker::client
