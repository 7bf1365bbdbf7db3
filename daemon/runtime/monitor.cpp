#include "runtime/monitor.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "base/strings.hpp"
#include "runtime/container_init.hpp"
#include "runtime/file_util.hpp"
#include "runtime/hooks.hpp"
#include "runtime/monitor_args.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/namespace_join.hpp"
#include "runtime/process_setup.hpp"
#include "runtime/process_title.hpp"
#include "runtime/sys/syscalls.hpp"
#include "runtime/unix_socket.hpp"
#include "runtime/user_namespace.hpp"

// The binary's code (the linker's __executable_start and etext), the start of its writable data
// (glibc's crt1.o) and the end of its .bss (the linker's).
extern "C" char __executable_start[];
extern "C" char etext[];
extern "C" char __data_start[];
extern "C" char _end[];

namespace gocker::runtime {
namespace {

// What an unmapped id shows as (the kernel's default overflowuid): the owner of an inode for a
// container user that the namespace's maps leave out.
constexpr uint32_t kOverflowId = 65534;

uint64_t clone_flags_for(const OciSpec& spec) {
  uint64_t flags = 0;
  // Namespaces with a path are joined (namespace_join.hpp), not created.
  auto creates = [&spec](NamespaceType type) { return spec.has_namespace(type) && !spec.joins_namespace(type); };
  // With CLONE_NEWUSER in the same call, every namespace created here belongs to the new user
  // namespace, so the container's root has its capabilities over them (and nothing else).
  if (creates(NamespaceType::User)) flags |= CLONE_NEWUSER;
  if (creates(NamespaceType::Pid)) flags |= CLONE_NEWPID;
  if (creates(NamespaceType::Mount)) flags |= CLONE_NEWNS;
  if (creates(NamespaceType::Uts)) flags |= CLONE_NEWUTS;
  if (creates(NamespaceType::Ipc)) flags |= CLONE_NEWIPC;
  if (creates(NamespaceType::Network)) flags |= CLONE_NEWNET;
  if (creates(NamespaceType::Cgroup)) flags |= CLONE_NEWCGROUP;
  return flags;
}

// The path of a user namespace the config joins, or null.
const std::string* joined_user_namespace(const OciSpec& spec) {
  for (const auto& [type, path] : spec.namespace_paths) {
    if (type == NamespaceType::User) return &path;
  }
  return nullptr;
}

// Mappings given with a joined user namespace describe it; different ones are a config mistake.
Status check_joined_mappings(const std::vector<IdMapping>& configured, const std::vector<IdMapping>& actual,
                             const char* field, const std::string& path) {
  if (configured.empty() || same_id_mappings(configured, actual)) return ok();
  std::string shown = format_id_map(actual);
  while (!shown.empty() && shown.back() == '\n') shown.pop_back();
  for (char& c : shown) {
    if (c == '\n') c = ',';
  }
  return Error::invalid("config.json field " + std::string(field) + ": does not match the user namespace " +
                        gocker::quoted(path) + " it joins (that namespace maps " + gocker::quoted(shown) + ")");
}

Status set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return Error::from_errno(errno, "set O_NONBLOCK");
  return ok();
}

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Result<Pipe> make_pipe(const char* name) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::from_errno(errno, std::string("create ") + name + " pipe");
  return Pipe{UniqueFd{fds[0]}, UniqueFd{fds[1]}};
}

void make_paths_absolute(MonitorOptions& options) {
  char cwd[4096];
  if (!::getcwd(cwd, sizeof cwd)) return;
  for (std::string* path : {&options.bundle_dir, &options.state_dir, &options.log_path, &options.attach_socket,
                            &options.control_socket, &options.console_socket}) {
    if (!path->empty() && path->front() != '/') *path = std::string(cwd) + "/" + *path;
  }
}

// What the detached monitor process starts from (see detach_monitor).
struct DetachedMonitor {
  int argc;
  char** argv;
  MonitorOptions options;
  UniqueFd control;
};

int run_detached_monitor(void* argument) {
  auto& detached = *static_cast<DetachedMonitor*>(argument);
  ::setsid();
  // Do not pin the spawner's working directory (and its mount) for the container's lifetime.
  make_paths_absolute(detached.options);
  if (::chdir("/") != 0) std::exit(1);
  // Orphaned descendants (e.g. of a future `exec`) are reparented to us and reaped in the loop.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  init_process_title(detached.argc, detached.argv);
  set_process_title("gocker-monitor " + detached.options.container_id.substr(0, 12));
  Monitor monitor(std::move(detached.options), std::move(detached.control));
  std::exit(monitor.run());
}

// The double fork, without copying the address space: the process the daemon spawned exits at
// once (the daemon reaps it), and the monitor lives on in its own session, reparented to the
// nearest subreaper or PID 1, so neither the daemon's exit nor its session's SIGHUP reaches it.
// A fork() there cost about 1.5 ms of every start on this VM (the page tables copied, then a
// copy-on-write fault for each page the monitor writes afterwards). With CLONE_VM the new process
// shares the memory instead; that is safe because the parent only calls _exit(), and the memory
// is the child's alone from then on. It runs on a stack of its own.
constexpr size_t kStackSize = 8 << 20;  // the main thread's default; pages are only touched as used

// The detached monitor's stack, its top end returned.
Result<char*> map_monitor_stack() {
  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                       -1, 0);
  if (stack == MAP_FAILED) return Error::from_errno(errno, "map the monitor's stack");
  // A guard page at the bottom: an overflow faults instead of writing over other memory.
  if (::mprotect(stack, static_cast<size_t>(::sysconf(_SC_PAGESIZE)), PROT_NONE) != 0)
    return Error::from_errno(errno, "guard the monitor's stack");
  return static_cast<char*>(stack) + kStackSize;
}

Status detach_monitor(DetachedMonitor& detached, char* stack_top) {
  if (!stack_top) {
    auto mapped = map_monitor_stack();
    if (!mapped) return std::move(mapped).error();
    stack_top = *mapped;
  }
  pid_t pid = ::clone(run_detached_monitor, stack_top, CLONE_VM | SIGCHLD, &detached);
  if (pid < 0) return Error::from_errno(errno, "fork monitor");
  ::_exit(0);
}

// A standby (monitor_standby.hpp) faults in, while nobody waits, the memory a container's setup
// touches first: the detached monitor's stack top, the heap that parsing config.json takes, the
// binary's data, and its code. Each first touch is a page fault, 10-16 us on a VM where they are
// slow; a served monitor made about 100 of them. A running monitor has most of it resident anyway:
// 1.7 of the 2.2 MB of code mapped here (shared by every monitor), about 190 kB of heap and 32 kB
// of stack.
char* prefault_setup_memory() {
  constexpr size_t kStackTop = 32 * 1024;
  constexpr size_t kHeapBlock = 80 * 1024;  // two of them: below the mmap threshold, each
  const long page = ::sysconf(_SC_PAGESIZE);
  auto mapped = map_monitor_stack();
  if (!mapped) return nullptr;  // the start maps one itself
  ::madvise(*mapped - kStackTop, kStackTop, MADV_POPULATE_WRITE);
  ::mallopt(M_TRIM_THRESHOLD, 4 * kHeapBlock);  // freed, the blocks stay in the heap for the setup
  void* blocks[2] = {std::malloc(kHeapBlock), std::malloc(kHeapBlock)};
  for (void* block : blocks) {
    if (!block) continue;
    for (size_t offset = 0; offset < kHeapBlock; offset += static_cast<size_t>(page)) static_cast<volatile char*>(block)[offset] = 0;
  }
  for (void* block : blocks) std::free(block);
  // .data and .bss, from the page holding __data_start (glibc's crt1) to the linker's _end.
  const auto begin = reinterpret_cast<uintptr_t>(__data_start) & ~static_cast<uintptr_t>(page - 1);
  ::madvise(reinterpret_cast<void*>(begin), reinterpret_cast<uintptr_t>(_end) - begin, MADV_POPULATE_WRITE);
  const auto code = reinterpret_cast<uintptr_t>(__executable_start) & ~static_cast<uintptr_t>(page - 1);
  ::madvise(reinterpret_cast<void*>(code), reinterpret_cast<uintptr_t>(etext) - code, MADV_POPULATE_READ);
  return *mapped;
}

}  // namespace

void Monitor::fail_step(const std::string& step, const Error& error) {
  sync::SetupError report{step, error.sys_errno, step + ": " + error.message};
  if (control_) {
    (void)sync::send_message(control_.get(), sync::MessageType::kError, sync::encode_setup_error(report));
  }
}

Status Monitor::setup_cgroup() {
  if (spec_.cgroups_path.empty()) return ok();
  auto driver = detect_cgroup_driver();
  if (!driver) return std::move(driver).error();
  cgroup_ = std::move(*driver);
  GOCKER_TRY(cgroup_->create(spec_.cgroups_path));
  if (auto status = cgroup_->set_limits(spec_.cgroups_path, spec_.resources); !status) {
    remove_cgroup();
    return status;
  }
  // A cgroup path reused from an earlier container may carry old OOM kills; count from here.
  auto oom_kills = cgroup_->oom_kill_count(spec_.cgroups_path);
  oom_kills_at_start_ = oom_kills ? *oom_kills : 0;
  processes_.cgroup_paths = cgroup_->paths(spec_.cgroups_path);
  return ok();
}

void Monitor::remove_cgroup() {
  if (!cgroup_) return;
  // Nothing to report to: the container is gone either way, and the engine removes recorded
  // cgroup paths again when it removes the container.
  (void)cgroup_->destroy(spec_.cgroups_path);
  cgroup_.reset();
}

Status Monitor::setup_stdio(UniqueFd& child_stdin, UniqueFd& child_stdout, UniqueFd& child_stderr) {
  if (!options_.log_path.empty()) {
    log_fd_.reset(::open(options_.log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!log_fd_) return Error::from_errno(errno, "open log " + gocker::quoted(options_.log_path));
  }
  if (spec_.process.terminal) return ok();  // the init opens the pty inside the container
  if (options_.inherit_stdio) {
    // Standalone mode, as runc without a terminal: the container writes straight into the
    // caller's fds (a file, a pipe the engine reads); no pipes of ours, no log.
    for (auto [from, into] : {std::pair{0, &child_stdin}, std::pair{1, &child_stdout}, std::pair{2, &child_stderr}}) {
      into->reset(::fcntl(from, F_DUPFD_CLOEXEC, 3 + options_.preserved_fds + 1));
      if (!*into) return Error::from_errno(errno, "dup stdio fd " + std::to_string(from));
    }
    return ok();
  }
  // In a user namespace the container's user is a different id on the host, which owns the inode.
  // A joined namespace's maps are known once the init is in it: chown_joined_stdio does it then.
  const bool owner_after_clone = spec_.joins_namespace(NamespaceType::User);
  uid_t owner_uid = spec_.process.user.uid;
  gid_t owner_gid = spec_.process.user.gid;
  if (spec_.creates_user_namespace()) {
    owner_uid = host_id_for(spec_.uid_mappings, owner_uid).value_or(kOverflowId);
    owner_gid = host_id_for(spec_.gid_mappings, owner_gid).value_or(kOverflowId);
  }
  auto out = make_pipe("stdout");
  if (!out) return std::move(out).error();
  auto err = make_pipe("stderr");
  if (!err) return std::move(err).error();
  // The container's user must be able to reopen its stdio through /dev/stdout (/proc/self/fd/1),
  // which checks the pipe inode's owner like a file's.
  for (int fd : {out->write_end.get(), err->write_end.get()}) {
    if (!owner_after_clone && ::fchown(fd, owner_uid, owner_gid) != 0) return Error::from_errno(errno, "chown stdio pipe");
  }
  GOCKER_TRY(set_nonblocking(out->read_end.get()));
  GOCKER_TRY(set_nonblocking(err->read_end.get()));
  stdout_.emplace(OutputStream{std::move(out->read_end), JsonLogSplitter("stdout"), attach::MessageType::kStdout});
  stderr_.emplace(OutputStream{std::move(err->read_end), JsonLogSplitter("stderr"), attach::MessageType::kStderr});
  child_stdout = std::move(out->write_end);
  child_stderr = std::move(err->write_end);
  if (spec_.open_stdin) {
    auto in = make_pipe("stdin");
    if (!in) return std::move(in).error();
    if (!owner_after_clone && ::fchown(in->read_end.get(), owner_uid, owner_gid) != 0) {
      return Error::from_errno(errno, "chown stdio pipe");
    }
    GOCKER_TRY(set_nonblocking(in->write_end.get()));
    stdin_ = std::move(in->write_end);
    child_stdin = std::move(in->read_end);
  } else {
    child_stdin.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!child_stdin) return Error::from_errno(errno, "open \"/dev/null\"");
  }
  return ok();
}

Status Monitor::listen_attach_socket() {
  if (options_.attach_socket.empty()) return ok();
  // A stale socket from a previous start of this container is replaced.
  auto listener = listen_unix(options_.attach_socket, SOCK_STREAM | SOCK_NONBLOCK, 16);
  if (!listener) return std::move(listener).error().context("attach socket");
  listener_ = std::move(*listener);
  return ok();
}

Status Monitor::clone_init(const UniqueFd& child_stdin, const UniqueFd& child_stdout, const UniqueFd& child_stderr,
                           UniqueFd& child_sync) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error::from_errno(errno, "create sync socketpair");
  }
  sync_.reset(pair[0]);
  child_sync.reset(pair[1]);

  GOCKER_TRY(join_pid_namespace_for_children(spec_));
  int pidfd = -1;
  UniqueFd joined_pidfd;
  pid_t pid = -1;
  if (const std::string* user_namespace = joined_user_namespace(spec_)) {
    auto cloned = clone_in_user_namespace(*user_namespace, clone_flags_for(spec_), joined_pidfd);
    if (!cloned) return std::move(cloned).error();
    pid = *cloned;
  } else {
    struct clone_args args {};
    args.flags = clone_flags_for(spec_) | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    pid = sys::clone3(&args);
    if (pid < 0) return Error::from_errno(errno, "clone container init");
  }
  if (pid == 0) {
    // The init: drop the monitor's own ends first, so none of them lives on in the container
    // (they are CLOEXEC too, this just makes it independent of the exec).
    for (int fd : {control_.get(), sync_.get(), listener_.get(), log_fd_.get(), signal_fd_.get(), epoll_.get(),
                   stdin_.get(), stdout_ ? stdout_->fd.get() : -1, stderr_ ? stderr_->fd.get() : -1}) {
      if (fd >= 0) ::close(fd);
    }
    InitContext context{&spec_, options_.container_id, child_sync.get(), child_stdin.get(), child_stdout.get(),
                        child_stderr.get(), options_.preserved_fds};
    run_container_init(context);
  }
  init_pid_ = pid;
  if (joined_pidfd) {
    init_pidfd_ = std::move(joined_pidfd);
  } else {
    init_pidfd_.reset(pidfd);
  }
  return ok();
}

Status Monitor::map_init_ids() {
  if (const std::string* user_namespace = joined_user_namespace(spec_)) {
    // Nothing to write: the joined namespace has its maps. Mappings in the config must be those.
    auto uid_map = read_id_map(init_pid_, "uid_map");
    if (!uid_map) return std::move(uid_map).error();
    auto gid_map = read_id_map(init_pid_, "gid_map");
    if (!gid_map) return std::move(gid_map).error();
    GOCKER_TRY(check_joined_mappings(spec_.uid_mappings, *uid_map, "linux.uidMappings", *user_namespace));
    GOCKER_TRY(check_joined_mappings(spec_.gid_mappings, *gid_map, "linux.gidMappings", *user_namespace));
    if (spec_.process.terminal || options_.inherit_stdio) return ok();
    // The stdio pipes setup_stdio left to the host's root (see there).
    uid_t owner_uid = host_id_for(*uid_map, spec_.process.user.uid).value_or(kOverflowId);
    gid_t owner_gid = host_id_for(*gid_map, spec_.process.user.gid).value_or(kOverflowId);
    for (int fd : {stdout_ ? stdout_->fd.get() : -1, stderr_ ? stderr_->fd.get() : -1, stdin_.get()}) {
      if (fd >= 0 && ::fchown(fd, owner_uid, owner_gid) != 0) return Error::from_errno(errno, "chown stdio pipe");
    }
    return ok();
  }
  if (!spec_.creates_user_namespace()) return ok();
  GOCKER_TRY(write_id_maps(init_pid_, spec_.uid_mappings, spec_.gid_mappings));
  return sync::send_message(sync_.get(), sync::MessageType::kIdMapped);
}

void Monitor::kill_init_and_wait() {
  if (init_pid_ <= 0 || init_wait_status_) return;
  sys::pidfd_send_signal(init_pidfd_.get(), SIGKILL);
  int status = 0;
  while (::waitpid(init_pid_, &status, 0) < 0 && errno == EINTR) {
  }
  init_wait_status_ = status;
}

Status Monitor::run_create_hooks() {
  // The container exists (namespaces, mounts, cgroup) and its command has not run; a failing hook
  // fails the create.
  if (create_hooks_ran_) return ok();
  create_hooks_ran_ = true;
  if (spec_.hooks.prestart.empty() && spec_.hooks.create_runtime.empty()) return ok();
  std::string state = hook_state_json(options_.container_id, "created", init_pid_, options_.bundle_dir, spec_.annotations);
  GOCKER_TRY(run_hooks(spec_.hooks.prestart, "prestart", state));
  return run_hooks(spec_.hooks.create_runtime, "createRuntime", state);
}

Status Monitor::wait_for_init_ready() {
  while (true) {
    auto message = sync::receive_message(sync_.get());
    if (!message) return std::move(message).error();
    if (!message->has_value()) return Error::internal("container init exited during setup");
    sync::Message& received = **message;
    switch (received.type) {
      case sync::MessageType::kPtyMaster: {
        if (!received.fd) return Error::internal("pty master message without an fd");
        if (!options_.console_socket.empty()) {
          GOCKER_TRY(forward_pty_master(std::move(received.fd)));
          break;
        }
        GOCKER_TRY(take_pty_master(std::move(received.fd)));
        break;
      }
      case sync::MessageType::kRunHooks: {
        GOCKER_TRY(run_create_hooks());
        std::string state = hook_state_json(options_.container_id, "created", init_pid_, options_.bundle_dir, spec_.annotations);
        GOCKER_TRY(sync::send_message(sync_.get(), sync::MessageType::kHooksDone, state));
        break;
      }
      case sync::MessageType::kReady: return ok();
      case sync::MessageType::kError: {
        sync::SetupError error = sync::decode_setup_error(received.payload);
        if (error.step == kExecStep) record_exec_failure(error.sys_errno, error.message);
        return sync::error_from_setup_error(error);
      }
      default: return Error::internal("unexpected message from container init");
    }
  }
}

Status Monitor::take_pty_master(UniqueFd master) {
  GOCKER_TRY(set_nonblocking(master.get()));
  if (spec_.open_stdin) {
    stdin_.reset(::fcntl(master.get(), F_DUPFD_CLOEXEC, 3));
    if (!stdin_) return Error::from_errno(errno, "dup pty master");
  }
  stdout_.emplace(OutputStream{std::move(master), JsonLogSplitter("stdout"), attach::MessageType::kStdout});
  return ok();
}

Status Monitor::report_ready() {
  auto monitor_start = read_process_start_time(::getpid());
  if (!monitor_start) return std::move(monitor_start).error();
  auto init_start = read_process_start_time(init_pid_);
  if (!init_start) return std::move(init_start).error();
  processes_.monitor = {::getpid(), *monitor_start};
  processes_.init = {init_pid_, *init_start};
  std::string encoded = encode_started_processes(processes_);
  GOCKER_TRY(write_file_atomically(options_.state_dir + "/" + kMonitorStateFile, encoded));
  return sync::send_message(control_.get(), sync::MessageType::kReady, encoded);
}

int Monitor::run() {
  auto spec = load_oci_config(options_.bundle_dir);
  if (!spec) {
    fail_step("load config", spec.error());
    return 1;
  }
  spec_ = std::move(*spec);
  if (uses_external_runtime()) return run_external();
  UniqueFd child_stdin, child_stdout, child_stderr, child_sync;
  // Cleanup comes before the report: when spawn_monitor() sees the error, nothing is left.
  auto fail_before_clone = [&](const char* step, const Error& error) {
    if (!options_.attach_socket.empty() && listener_) ::unlink(options_.attach_socket.c_str());
    fail_step(step, error);
    return 1;
  };
  if (auto status = setup_stdio(child_stdin, child_stdout, child_stderr); !status) {
    return fail_before_clone("set up stdio", status.error());
  }
  if (auto status = listen_attach_socket(); !status) return fail_before_clone("listen on attach socket", status.error());

  // SIGCHLD is taken through a signalfd in the event loop; it must be blocked before the clone
  // so no exit can be missed (the init unblocks it again before execve).
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child_signal, nullptr);
  signal_fd_.reset(::signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd_) return fail_before_clone("create signalfd", Error::from_errno(errno, "signalfd"));

  if (auto status = clone_init(child_stdin, child_stdout, child_stderr, child_sync); !status) {
    return fail_before_clone("clone init", status.error());
  }
  // The parent closes the child's ends right away: EOF on the sync socket and on the output pipes
  // must depend on the container alone.
  child_sync.reset();
  child_stdin.reset();
  child_stdout.reset();
  child_stderr.reset();
  if (options_.inherit_stdio) {
    // The caller's stdio belongs to the container now; a caller reading a pipe to its end must
    // not wait for the monitor too.
    int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd : {0, 1, 2}) {
      if (null_fd >= 0) ::dup3(null_fd, fd, 0);
    }
    if (null_fd > 2) ::close(null_fd);
  }

  auto fail_after_clone = [&](const char* step, const Error& error) {
    kill_init_and_wait();
    remove_cgroup();
    if (listener_) ::unlink(options_.attach_socket.c_str());
    close_control_socket();
    ::unlink((options_.state_dir + "/" + kMonitorStateFile).c_str());
    // The init's own reports already name their step ("mount: mount ..."): they go as sent.
    if (step) {
      fail_step(step, error);
    } else if (control_) {
      sync::SetupError report{"init", error.sys_errno, error.message};
      (void)sync::send_message(control_.get(), sync::MessageType::kError, sync::encode_setup_error(report));
    }
    return 1;
  };
  if (auto status = map_init_ids(); !status) return fail_after_clone("set up id maps", status.error());
  // The spawner may wire the init's network namespace from now on, while the init builds its
  // filesystem (spawn_monitor_until_cloned).
  if (auto status = sync::send_message(control_.get(), sync::MessageType::kCloned, std::to_string(init_pid_)); !status) {
    return fail_after_clone("report the init", status.error());
  }
  // The init builds the container's filesystem meanwhile and waits for kCgroupJoined before it
  // changes user or execs (container_init.cpp, step 4).
  if (auto status = setup_cgroup(); !status) return fail_after_clone("create cgroup", status.error());
  if (cgroup_) {
    if (auto status = cgroup_->add_pid(spec_.cgroups_path, init_pid_); !status) {
      return fail_after_clone("join cgroup", status.error());
    }
  }
  if (auto status = sync::send_message(sync_.get(), sync::MessageType::kCgroupJoined); !status) {
    // The init may have failed its own setup meanwhile and closed the socket: its report, already
    // queued, names the real cause.
    if (auto init_status = wait_for_init_ready(); !init_status) return fail_after_clone(nullptr, init_status.error());
    return fail_after_clone("start init", status.error());
  }
  if (auto status = wait_for_init_ready(); !status) return fail_after_clone(nullptr, status.error());
  if (auto status = run_create_hooks(); !status) return fail_after_clone("run hooks", status.error());
  if (is_standalone()) {
    // Bound before ready is reported: a `start` right after `create` returns must find it.
    if (auto status = listen_control_socket(); !status) return fail_after_clone("listen on control socket", status.error());
  }
  if (auto status = report_ready(); !status) return fail_after_clone("report ready", status.error());

  if (auto status = run_event_loop(); !status) {
    // The loop only fails on epoll itself; the container cannot be served any more.
    kill_init_and_wait();
    remove_cgroup();
    return 1;
  }
  return 0;
}

int monitor_main(int argc, char** argv) {
  // Writes to a vanished attach client or a closed pipe must be errors, not our death.
  ::signal(SIGPIPE, SIG_IGN);
  UniqueFd control{kMonitorControlFd};
  if (::fcntl(control.get(), F_SETFD, FD_CLOEXEC) != 0) return 1;

  std::vector<std::string> arguments(argv, argv + argc);
  char* stack_top = nullptr;
  if (argc > 1 && std::strcmp(argv[1], kStandbyMode) == 0) {
    // Started ahead of need (monitor_standby.hpp): the container's arguments come when it starts.
    // Executed from a memfd, the process is named after the fd until it serves a container.
    ::prctl(PR_SET_NAME, "gocker-monitor");
    stack_top = prefault_setup_memory();
    auto received = sync::receive_message(control.get());
    if (!received || !received->has_value()) return 0;  // let go unused
    if ((*received)->type != sync::MessageType::kArguments) return 2;
    arguments = decode_monitor_arguments((*received)->payload);
  }
  auto options = parse_monitor_argv(arguments);
  if (!options) {
    sync::SetupError report{"parse arguments", 0, options.error().message};
    (void)sync::send_message(control.get(), sync::MessageType::kError, sync::encode_setup_error(report));
    return 2;
  }
  // Whatever the spawner leaked beyond the control socket and the preserved fds is not ours.
  ::close_range(static_cast<unsigned>(kMonitorControlFd + 1 + options->preserved_fds), ~0U, 0);

  // The detached process starts from this frame's copy (the memory stays mapped: it is shared, and
  // this process never returns here once the clone succeeded).
  DetachedMonitor detached{argc, argv, std::move(*options), std::move(control)};
  auto failed = detach_monitor(detached, stack_top);  // returns only on failure
  sync::SetupError report{"fork monitor", failed.error().sys_errno, failed.error().message};
  (void)sync::send_message(detached.control.get(), sync::MessageType::kError, sync::encode_setup_error(report));
  return 1;
}

}  // namespace gocker::runtime
