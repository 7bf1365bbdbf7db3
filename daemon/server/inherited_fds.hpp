#pragma once
// Whatever descriptors gockerd was started with beyond stdio (a shell's or a test runner's leaks)
// are marked close-on-exec at start, so that none reaches a process the daemon runs. The sockets
// systemd passes (LISTEN_FDS, for this pid) are left to sd_listen_fds, which adopts them.
namespace gocker::server {

void mark_inherited_fds_close_on_exec();

}  // namespace gocker::server
