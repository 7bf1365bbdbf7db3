#include "signals.hpp"

#include <csignal>

namespace gocker::runc {
namespace {

struct NamedSignal {
  const char* name;
  int number;
};

constexpr NamedSignal kSignals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},       {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},
    {"CONT", SIGCONT}, {"FPE", SIGFPE},   {"HUP", SIGHUP},       {"ILL", SIGILL},     {"INT", SIGINT},
    {"IO", SIGIO},     {"IOT", SIGIOT},   {"KILL", SIGKILL},     {"PIPE", SIGPIPE},   {"POLL", SIGPOLL},
    {"PROF", SIGPROF}, {"PWR", SIGPWR},   {"QUIT", SIGQUIT},     {"SEGV", SIGSEGV},   {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},   {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU}, {"URG", SIGURG},       {"USR1", SIGUSR1},   {"USR2", SIGUSR2},
    {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

Result<int> parse_number(const std::string& text) {
  int number = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || number > 1000) return Error::invalid("unknown signal \"" + text + "\"");
    number = number * 10 + (c - '0');
  }
  if (number < 1 || number > SIGRTMAX) return Error::invalid("unknown signal \"" + text + "\"");
  return number;
}

}  // namespace

Result<int> parse_signal(const std::string& text) {
  if (text.empty()) return Error::invalid("unknown signal \"\"");
  if (text[0] >= '0' && text[0] <= '9') return parse_number(text);
  std::string name;
  for (char c : text) name.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
  if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
  for (const NamedSignal& entry : kSignals) {
    if (name == entry.name) return entry.number;
  }
  // Real-time signals by offset: RTMIN, RTMIN+3, RTMAX-2.
  if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) {
    bool from_min = name[3] == 'I';
    std::string rest = name.substr(5);
    int offset = 0;
    if (!rest.empty()) {
      if ((from_min && rest[0] != '+') || (!from_min && rest[0] != '-')) return Error::invalid("unknown signal \"" + text + "\"");
      auto parsed = parse_number(rest.substr(1));
      if (!parsed) return Error::invalid("unknown signal \"" + text + "\"");
      offset = *parsed;
    }
    int number = from_min ? SIGRTMIN + offset : SIGRTMAX - offset;
    if (number >= SIGRTMIN && number <= SIGRTMAX) return number;
  }
  return Error::invalid("unknown signal \"" + text + "\"");
}

}  // namespace gocker::runc
