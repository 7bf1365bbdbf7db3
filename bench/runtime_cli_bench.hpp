#pragma once
// The runtime alone, without the daemon (issue 8): `RUNTIME run` of a busybox `true` bundle for
// gocker-runc and, when installed, runc and crun, interleaved so load weighs on all alike.
namespace gocker::bench {

void runtime_cli_timings(int runs);

}  // namespace gocker::bench
