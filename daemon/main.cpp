// gockerd: the gocker daemon. Parses flags, claims the API socket, opens the engine (state,
// built-in image, reconciliation with running containers' monitors), then serves until SIGTERM.
#include <linux/close_range.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "base/result.hpp"
#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "engine/engine.hpp"
#include "runtime/security/process_limits.hpp"
#include "server/allocator_tunables.hpp"
#include "server/listener.hpp"
#include "server/server.hpp"
#include "server/systemd_daemon.hpp"
#include "server/tls_listener.hpp"

namespace {

namespace fs = std::filesystem;
using namespace gocker;

constexpr const char* kDefaultHost = "unix:///run/gocker/gocker.sock";
constexpr const char* kDefaultGroup = "gocker";

struct DaemonFlags {
  std::vector<std::string> hosts;  // -H, repeatable: at most one unix://, any number of tcp://
  std::string group = kDefaultGroup;
  bool group_given = false;  // an explicitly named group must exist; the default one may not
  bool tls_verify = false;
  server::TlsFiles tls_files;
  std::string root = "/var/lib/gocker";
  std::string cgroup_parent = "gocker";
  std::string log_level = "info";
  std::string monitor_path;  // empty: found next to gockerd, else installed
  std::string image_dir;     // empty: the build tree's images/, else installed
  std::string bridge_ip;     // --bip
  std::string default_address_pool;
  bool cleanup_network = false;
  std::vector<std::string> insecure_registries;  // registries reached over plain HTTP (issue 5)
  std::string config_dir = "/etc/gocker";        // certs.d/<host:port>/ (issue 5)
  unsigned request_timeout_seconds = 30;          // server::SessionOptions::request_timeout
  std::string runtime;                            // --runtime (gockerd's) / --default-runtime (dockerd's)
  std::string default_runtime;
  std::vector<std::string> add_runtimes;          // --add-runtime name=path, repeatable
  std::string userns_remap;                        // engine/userns_remap.hpp
  bool no_idmapped_layers = false;                 // engine/shifted_layers.hpp
};

// The directory of the running gockerd binary, to find its siblings when run from a build tree.
fs::path executable_directory() {
  std::error_code error;
  fs::path executable = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path{} : executable.parent_path();
}

bool is_existing_file(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

// Installed, gocker-monitor lives in libexec; in a build tree it is built next to gockerd's
// directory (daemon/runtime/), so a freshly built gockerd runs its own monitor, not an old
// installed one.
std::string default_monitor_path(const fs::path& executable_dir) {
  for (const fs::path& candidate : {executable_dir / "gocker-monitor", executable_dir / "runtime" / "gocker-monitor"})
    if (!executable_dir.empty() && is_existing_file(candidate)) return candidate.string();
  return GOCKER_LIBEXECDIR "/gocker-monitor";
}

std::string default_image_dir(const fs::path& executable_dir) {
  fs::path build_images = executable_dir / ".." / "images";
  if (!executable_dir.empty() && is_existing_file(build_images / "busybox-rootfs.tar"))
    return fs::weakly_canonical(build_images).string();
  return GOCKER_DATADIR;
}

// The root holds every container's state and rootfs: 0711 lets processes inside containers
// traverse to their own rootfs paths while nobody else can list what is there (as dockerd does).
Status make_root_directory(const std::string& root) {
  std::error_code error;
  fs::path parent = fs::path(root).parent_path();
  if (!parent.empty()) fs::create_directories(parent, error);
  if (error) return Error::internal("create " + gocker::quoted(parent.string()) + ": " + error.message());
  if (::mkdir(root.c_str(), 0711) < 0) {
    if (errno != EEXIST) return Error::from_errno(errno, "create root directory " + gocker::quoted(root));
    return ok();
  }
  // mkdir's mode was narrowed by the umask; say exactly what we mean.
  if (::chmod(root.c_str(), 0711) < 0) return Error::from_errno(errno, "chmod 0711 " + gocker::quoted(root));
  return ok();
}

void set_up_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("gockerd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
}

int fail(const std::string& message) {
  std::fprintf(stderr, "gockerd: %s\n", message.c_str());
  return 1;
}

// What -H asked for: the unix socket (always one: the default unless named) and the TCP
// endpoints, which are served only with --tlsverify and its three files.
struct Listeners {
  std::string socket_path;
  std::vector<boost::asio::ip::tcp::endpoint> tcp_endpoints;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // set when tcp_endpoints is not empty
};

Result<Listeners> plan_listeners(const DaemonFlags& flags) {
  Listeners listeners;
  std::string unix_host;
  std::string first_tcp_host;
  for (const std::string& host : flags.hosts) {
    if (gocker::starts_with(host, "tcp://")) {
      auto endpoint = server::tcp_endpoint_from_host(host);
      if (!endpoint) return std::move(endpoint).error();
      listeners.tcp_endpoints.push_back(*endpoint);
      if (first_tcp_host.empty()) first_tcp_host = host;
      continue;
    }
    if (!unix_host.empty())
      return Error::invalid("-H " + unix_host + " and -H " + host + ": gockerd serves one unix socket");
    unix_host = host;
  }
  auto socket_path = server::socket_path_from_host(unix_host.empty() ? kDefaultHost : unix_host);
  if (!socket_path) return std::move(socket_path).error();
  listeners.socket_path = *socket_path;
  if (listeners.tcp_endpoints.empty()) return listeners;

  // Anyone who reaches the API can run a privileged container: over TCP only with TLS and a client
  // certificate the CA signed (dockerd without --tlsverify would serve plain TCP; gockerd refuses).
  if (!flags.tls_verify)
    return Error::invalid("-H " + first_tcp_host +
                          ": the API is served over TCP only with TLS and client certificates: add --tlsverify "
                          "--tlscacert CA.pem --tlscert SERVER-CERT.pem --tlskey SERVER-KEY.pem");
  std::string missing;
  for (const auto& [flag, value] : {std::pair{"--tlscacert", &flags.tls_files.ca_certificate},
                                    std::pair{"--tlscert", &flags.tls_files.certificate},
                                    std::pair{"--tlskey", &flags.tls_files.private_key}}) {
    if (value->empty()) missing += std::string(missing.empty() ? "" : ", ") + flag;
  }
  if (!missing.empty()) return Error::invalid("--tlsverify needs --tlscacert, --tlscert and --tlskey (missing: " + missing + ")");
  auto context = server::make_tls_server_context(flags.tls_files);
  if (!context) return std::move(context).error().context("TLS");
  listeners.tls_context = std::move(*context);
  return listeners;
}

// The group of the API socket: the named one, or none (root:root) when the default group "gocker"
// was never created, as dockerd does for its "docker" group.
Result<std::optional<gid_t>> socket_group(const DaemonFlags& flags) {
  auto group = server::find_group(flags.group);
  if (!group) return std::move(group).error().context("--group");
  if (*group) return group;
  if (flags.group_given) return Error::invalid("--group " + gocker::quoted(flags.group) + ": no such group");
  spdlog::warn("group {} does not exist: the API socket is root:root 0660 (create the group with: groupadd --system {})",
               gocker::quoted(flags.group), flags.group);
  return group;
}

// gockerd holds a socket, log files and pipes per container and per client: its unit's soft limit
// of 1024 open files is far too few. The soft limit is raised to the hard one (the hard limit needs
// CAP_SYS_RESOURCE, which gockerd may lack); containers do not inherit the raise: they get the
// limit gockerd started with (engine/security_options.hpp). Returns that original soft limit.
uint64_t raise_open_files_limit() {
  auto limits = runtime::raise_open_files_limit();
  if (!limits) {
    spdlog::warn("{}: gockerd keeps its soft limit", limits.error().message);
    return 0;
  }
  spdlog::debug("open files: soft limit {} (was {}), hard limit {}", limits->soft, limits->original_soft, limits->hard);
  return limits->original_soft;
}

int run_daemon(const DaemonFlags& flags) {
  const uint64_t original_nofile_soft = raise_open_files_limit();
  auto listeners = plan_listeners(flags);
  if (!listeners) return fail(listeners.error().message);
  const std::string* socket_path = &listeners->socket_path;
  if (Status made = make_root_directory(flags.root); !made) return fail(made.error().message);

  // The socket is claimed before the engine opens the state in --root, so a second gockerd started
  // by mistake stops here instead of reconciling containers behind the live daemon's back.
  auto listen_socket = server::listen_socket_from_systemd();
  if (!listen_socket) return fail(listen_socket.error().message);
  // Whatever else gockerd was started with beyond stdio (a shell's or a test runner's leaks) must
  // reach no process it runs. systemd's sockets are adopted and close-on-exec by now.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  bool socket_activated = listen_socket->valid();
  if (!socket_activated) {
    // A socket systemd passed has the owner, group and mode its .socket unit gave it.
    auto group = socket_group(flags);
    if (!group) return fail(group.error().message);
    listen_socket = server::open_listen_socket(*socket_path, *group);
    if (!listen_socket) return fail(listen_socket.error().message);
  }
  // A socket file we bound is ours to remove; one systemd bound belongs to the .socket unit.
  auto remove_socket_file = [&socket_path, socket_activated] {
    if (!socket_activated) ::unlink(socket_path->c_str());
  };
  ScopeGuard remove_socket_on_failure(remove_socket_file);
  // Bound as early as the unix socket: a port in use stops this start before the engine opens.
  std::vector<UniqueFd> tcp_sockets;
  for (const auto& endpoint : listeners->tcp_endpoints) {
    auto tcp_socket = server::open_tcp_listen_socket(endpoint);
    if (!tcp_socket) return fail(tcp_socket.error().message);
    tcp_sockets.push_back(std::move(*tcp_socket));
  }

  fs::path executable_dir = executable_directory();
  engine::EngineOptions options;
  options.root = flags.root;
  options.cgroup_parent = flags.cgroup_parent;
  options.monitor_binary = flags.monitor_path.empty() ? default_monitor_path(executable_dir) : flags.monitor_path;
  options.builtin_image_dir = flags.image_dir.empty() ? default_image_dir(executable_dir) : flags.image_dir;
  options.version = GOCKER_VERSION;
  options.bridge_ip = flags.bridge_ip;
  options.default_address_pool = flags.default_address_pool;
  options.insecure_registries = flags.insecure_registries;
  options.config_dir = flags.config_dir;
  options.container_nofile_soft = original_nofile_soft;
  {
    if (!flags.runtime.empty() && !flags.default_runtime.empty() && flags.runtime != flags.default_runtime)
      return fail("--runtime " + flags.runtime + " and --default-runtime " + flags.default_runtime + " disagree");
    const char* search_path = ::getenv("PATH");
    auto runtimes = engine::RuntimeRegistry::make(
        flags.add_runtimes, flags.runtime.empty() ? flags.default_runtime : flags.runtime,
        search_path ? search_path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        [](const std::string& path) { return is_existing_file(path) && ::access(path.c_str(), X_OK) == 0; });
    if (!runtimes) return fail(runtimes.error().message);
    options.runtimes = std::move(runtimes).value();
  }
  options.userns_remap = flags.userns_remap;
  options.idmapped_layers = !flags.no_idmapped_layers;

  boost::asio::io_context io_context;
  auto engine = engine::Engine::open(options, io_context.get_executor());
  if (!engine) return fail("open engine: " + engine.error().message);
  if (flags.cleanup_network) {
    // Only with the socket claimed above: never behind a live daemon's back.
    Status cleaned = (*engine)->cleanup_network();
    remove_socket_on_failure.dismiss();
    remove_socket_file();
    if (!cleaned) return fail("cleanup network: " + cleaned.error().message);
    spdlog::info("removed gocker's bridges, veths and nftables table");
    return 0;
  }

  server::ServerOptions server_options;
  server_options.server_version = GOCKER_VERSION;
  server_options.session.request_timeout = std::chrono::seconds(flags.request_timeout_seconds);
  server::Server server(io_context, **engine, server_options);
  if (Status started = server.start(std::move(*listen_socket)); !started) return fail(started.error().message);
  for (size_t i = 0; i < tcp_sockets.size(); ++i) {
    if (Status started = server.start_tls(std::move(tcp_sockets[i]), listeners->tls_context); !started)
      return fail(started.error().message);
    const auto& endpoint = listeners->tcp_endpoints[i];
    spdlog::info("listening on tcp://{}{}{}:{} (TLS, client certificates signed by {} required)",
                 endpoint.address().is_v6() ? "[" : "", endpoint.address().to_string(),
                 endpoint.address().is_v6() ? "]" : "", endpoint.port(), flags.tls_files.ca_certificate);
  }
  spdlog::info("gockerd {} listening on {} (root {}, monitor {}, images {})", GOCKER_VERSION,
               socket_activated ? std::string("the socket systemd passed") : *socket_path, options.root,
               options.monitor_binary, options.builtin_image_dir);
  // Opening the engine parsed the state, the images' JSON and the seccomp profile; what it freed
  // sits in the heap's free lists. Hand it back before idling (measured: see the commit).
  ::malloc_trim(0);
  server::notify_systemd("READY=1\nMAINPID=" + std::to_string(::getpid()));

  server.run();

  remove_socket_on_failure.dismiss();
  remove_socket_file();
  spdlog::info("gockerd stopped");
  // Containers keep running and every state change is already committed. The teardown order is
  // the reverse of the declarations: the server, then the engine (its pidfd watches are io
  // objects of io_context, destroyed while it still exists), and last the io_context, which
  // destroys the coroutines still suspended in a wait or an attach. Those frames hold shared
  // Container references and sockets, never a call back into the engine.
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  server::exec_self_with_allocator_tunables(argv);
  // glibc gives each thread that allocates an arena of its own (up to 8 per core), and every arena
  // keeps the memory its thread freed. Requests, monitors' exits and the network wiring all land
  // on whichever pool thread runs them, so after a burst of runs each arena holds its high-water
  // mark. Two arenas keep the io threads from contending on one lock while bounding that.
  ::mallopt(M_ARENA_MAX, 2);
  CLI::App app{"gockerd: the gocker container engine daemon (Docker Engine API over a unix socket)"};
  DaemonFlags flags;
  app.set_version_flag("--version", "gockerd " GOCKER_VERSION);
  app.add_option("-H,--host", flags.hosts,
                 "Where to serve the API, repeatable: unix:///path or /path (one; default " + std::string(kDefaultHost) +
                     ", always served) and tcp://ADDR:PORT (only with --tlsverify)");
  app.add_option("-G,--group", flags.group,
                 "Group of the unix socket (mode 0660); a missing default group leaves it root:root")
      ->capture_default_str();
  app.add_flag("--tlsverify", flags.tls_verify,
               "Serve tcp:// hosts over TLS 1.2+ and require client certificates signed by --tlscacert");
  app.add_option("--tlscacert", flags.tls_files.ca_certificate, "CA certificate (PEM) that signs client certificates");
  app.add_option("--tlscert", flags.tls_files.certificate, "The daemon's TLS certificate chain (PEM)");
  app.add_option("--tlskey", flags.tls_files.private_key, "The daemon's TLS private key (PEM)");
  app.add_option("--root", flags.root, "Directory for state, images and containers")->capture_default_str();
  app.add_option("--cgroup-parent", flags.cgroup_parent, "Parent cgroup of all containers, under each hierarchy's root")
      ->capture_default_str();
  app.add_option("--log-level", flags.log_level, "Log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical"}))
      ->capture_default_str();
  app.add_option("--monitor-path", flags.monitor_path,
                 "gocker-monitor binary (default: next to gockerd in a build tree, else " GOCKER_LIBEXECDIR ")");
  app.add_option("--image-dir", flags.image_dir,
                 "Directory holding busybox-rootfs.tar (default: the build tree's images/, else " GOCKER_DATADIR ")");
  app.add_option("--bip", flags.bridge_ip, "The default bridge's address and subnet (default 172.17.0.1/16)");
  app.add_option("--default-address-pool", flags.default_address_pool,
                 "Where user-defined networks get their subnets: base=<CIDR>,size=<prefix length>");
  app.add_flag("--cleanup-network", flags.cleanup_network,
               "Remove every bridge, veth and nftables rule gocker made, then exit");
  app.add_option("--insecure-registry", flags.insecure_registries,
                 "Registry (host:port) to use over plain HTTP; 127.0.0.0/8 and localhost always are")
      ->take_all();
  app.add_option("--config-dir", flags.config_dir,
                 "Directory of registry certificates: certs.d/<host:port>/{ca.crt,client.cert,client.key}")
      ->capture_default_str();
  app.add_option("--userns-remap", flags.userns_remap,
                 "Run containers in a user namespace whose root is an unprivileged host id: \"default\" (the user "
                 "gocker) or USER[:GROUP], with ranges from /etc/subuid and /etc/subgid");
  app.add_flag("--no-idmapped-layers", flags.no_idmapped_layers,
               "With --userns-remap: give containers copies of their layers with shifted owners instead of "
               "idmapped mounts (chosen anyway where the kernel cannot idmap overlay layers)");
  app.add_option("--request-timeout", flags.request_timeout_seconds,
                 "Seconds a request may take to send its head, and that its body (image load and import "
                 "uploads included) may go without sending a byte")
      ->check(CLI::Range(1u, 3600u))
      ->capture_default_str();
  app.add_option("--runtime", flags.runtime,
                 "The default OCI runtime of new containers: gocker (built in), runc or crun when on PATH, or "
                 "a name given with --add-runtime");
  app.add_option("--default-runtime", flags.default_runtime, "Same as --runtime (dockerd's spelling)");
  app.add_option("--add-runtime", flags.add_runtimes,
                 "Another OCI runtime, repeatable: name=path (path absolute, or a command on PATH)")
      ->take_all();
  CLI11_PARSE(app, argc, argv);
  flags.group_given = app.count("--group") > 0;

  set_up_logging(flags.log_level);
  // The last-resort catch (STYLE.md section 2): everything below returns Result, but a library can
  // still throw (std::bad_alloc, a filesystem error).
  try {
    return run_daemon(flags);
  } catch (const std::exception& e) {
    return fail(std::string("fatal: ") + e.what());
  }
}
