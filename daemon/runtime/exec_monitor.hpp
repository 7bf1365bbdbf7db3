#pragma once
// `gocker-monitor exec`: the helper that starts one process inside a running container (docker
// exec). See exec_process.hpp for how the process enters the container and exec_launch.hpp for
// the daemon's side.
//
// Why a freshly exec'd helper and not the daemon: setns(CLONE_NEWNS) fails with EINVAL in a
// multithreaded process, and setns(CLONE_NEWPID) only places the caller's future children in the
// namespace. The monitor binary is static and single-threaded, so it can join the PID namespace
// itself and fork the child that joins the rest.
//
// The exec monitor stays on the host (its own PID namespace and mount namespace); only the child
// enters the container, and from then on the monitor serves it with the container monitor's event
// loop: stdio relay over the attach socket, exit status into <state_dir>/exit.json, then exit.
namespace gocker::runtime {

// argv: gocker-monitor exec --id <container id> --exec-id <exec id> --state-dir <dir> --attach <path>
// The control socket is fd 3; its first message is kExecSpec.
int exec_monitor_main(int argc, char** argv);

}  // namespace gocker::runtime
