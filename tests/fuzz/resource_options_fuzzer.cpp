// Fuzz target: the option parsers of `run`/`create` for sizes, CPUs and limits: docker's memory
// sizes ("512m", "1.5g"; api/units.hpp, shared by client and daemon), --cpus ("1.5" -> NanoCpus),
// --cpuset-cpus/--cpuset-mems (judged by the daemon), --ulimit, --restart, --mount (tmpfs-size),
// -p and --device; and, as a whole, a `gockerctl run` command line (NUL-separated arguments)
// through CLI11 into the create body the daemon decodes.
//
// The first input byte picks the parser, the rest is its text. Checked: no crash or sanitizer
// report; a parsed size is never negative and plain digits parse to their own value; a create
// body the client built is one the daemon decodes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "api/container_types.hpp"
#include "api/units.hpp"
#include "engine/oci_config.hpp"
#include "run_flags.hpp"
#include "security_flags.hpp"

namespace {

using namespace gocker;

[[noreturn]] void fail(const char* what, std::string_view input, const std::string& detail = "") {
  std::fprintf(stderr, "%s\n  input: \"%.*s\"\n  %s\n", what, static_cast<int>(input.size()), input.data(),
               detail.c_str());
  std::abort();
}

void check_size(std::string_view text) {
  auto bytes = api::ram_in_bytes(text);
  if (!bytes) return;
  if (*bytes < 0) fail("a size parsed to a negative number", text, std::to_string(*bytes));
  if (!text.empty() && text.size() <= 15 && text.find_first_not_of("0123456789") == std::string_view::npos &&
      std::to_string(*bytes) != std::string(text).erase(0, std::min(text.find_first_not_of('0'), text.size() - 1)))
    fail("a plain number of bytes parsed to another value", text, std::to_string(*bytes));
}

void check_cpuset(std::string_view text) {
  api::HostConfig host;
  host.cpuset_cpus = std::string(text);
  (void)engine::validate_host_config(host, 4);
  host.cpuset_cpus.clear();
  host.cpuset_mems = std::string(text);
  (void)engine::validate_host_config(host, 4);
}

// `gockerctl run ARGS...`, as main parses it, without reading files the arguments name.
void check_command_line(std::string_view text) {
  std::vector<std::string> args;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\0', start);
    if (end == std::string_view::npos) end = text.size();
    args.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  CLI::App app{"fuzz", "gockerctl"};
  CLI::App* run = app.add_subcommand("run");
  client::RunFlags flags;
  client::add_container_flags(*run, flags, /*with_detach=*/true);
  args.push_back("run");
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector reversed
  try {
    app.parse(args);
  } catch (const CLI::Error&) {
    return;
  }
  if (!client::take_image_and_command(*run, flags)) return;
  flags.env_files.clear();
  flags.label_files.clear();
  std::erase_if(flags.security_opt, [](const std::string& option) {
    return option.rfind("seccomp", 0) == 0;  // seccomp=PATH reads the file
  });
  auto no_environment = [](const std::string&) { return std::optional<std::string>(); };
  auto body = client::build_create_request(flags, no_environment, "run");
  if (!body) return;
  try {
    (void)body->get<api::ContainerCreateRequest>();
  } catch (const nlohmann::json::exception& e) {
    fail("the daemon cannot decode the create body the client built", text, body->dump() + ": " + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0:
      check_size(text);
      break;
    case 1:
      (void)client::parse_nano_cpus(text);
      break;
    case 2:
      check_cpuset(text);
      break;
    case 3:
      (void)client::parse_ulimit_flag(text);
      break;
    case 4:
      (void)client::parse_restart_policy(text);
      break;
    case 5:
      (void)client::parse_mount_flag(text);
      break;
    case 6:
      (void)client::parse_publish(text);
      break;
    case 7:
      (void)client::parse_device_flag(text);
      break;
    case 8:
      check_command_line(text);
      break;
  }
  return 0;
}
