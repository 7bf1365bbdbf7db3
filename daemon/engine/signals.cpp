#include "engine/signals.hpp"

#include <csignal>
#include <cctype>
#include <string>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

struct NamedSignal {
  const char* name;
  int number;
};

constexpr NamedSignal kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL},   {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

}  // namespace

Result<int> parse_signal(std::string_view text) {
  if (text.empty()) return Error::invalid("invalid signal: empty");
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    int number = 0;
    for (char c : text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || number > 1000) return Error::invalid("invalid signal: " + std::string(text));
      number = number * 10 + (c - '0');
    }
    if (number < 1 || number > SIGRTMAX) return Error::invalid("invalid signal: " + std::string(text));
    return number;
  }
  std::string upper;
  for (char c : text) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  std::string_view name = upper;
  if (starts_with(name, "SIG")) name.remove_prefix(3);
  for (const auto& entry : kSignals)
    if (name == entry.name) return entry.number;
  return Error::invalid("invalid signal: " + std::string(text));
}

}  // namespace gocker::engine
