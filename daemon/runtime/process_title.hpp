#pragma once
// What `ps` shows for the monitor and the init ("gocker-monitor <id>", "gocker-init <id>").
// /proc/PID/cmdline is the memory of the original argv strings, so the title is written over
// them (PR_SET_MM_ARG_START would need CAP_SYS_RESOURCE, which gocker may not have); the comm
// name (15 characters) is set with PR_SET_NAME.
#include <string>

namespace gocker::runtime {

// Remembers the argv area. Call once from main, after copying everything needed out of argv.
void init_process_title(int argc, char** argv);
void set_process_title(const std::string& title);

}  // namespace gocker::runtime
