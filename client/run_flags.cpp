#include "run_flags.hpp"

#include <cctype>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "api/container_types.hpp"
#include "api/units.hpp"
#include "security_flags.hpp"

namespace gocker::client {

namespace {

constexpr std::string_view kWhitespace = " \t";

// pflag's wording for a flag value it cannot parse, followed by docker's usage hint.
Failure invalid_flag_value(std::string_view value, std::string_view flag, const std::string& cause,
                           std::string_view command_name) {
  return Failure::usage("invalid argument \"" + std::string(value) + "\" for \"" + std::string(flag) +
                        "\" flag: " + cause + "\nSee 'gockerctl " + std::string(command_name) + " --help'.");
}

// -e / env-file entries: "VAR=VALUE" as given, a bare "VAR" resolved from the client or dropped.
Outcome<void> append_env_entry(std::string_view entry, const EnvLookup& lookup, std::vector<std::string>& out) {
  auto equals = entry.find('=');
  if (equals == 0) return Failure::usage("invalid environment variable: " + std::string(entry));
  if (equals != std::string_view::npos) {
    out.emplace_back(entry);
    return {};
  }
  if (auto value = lookup(std::string(entry))) out.push_back(std::string(entry) + "=" + *value);
  return {};
}

Outcome<int64_t> parse_memory_flag(const std::string& value, std::string_view flag, std::string_view command_name) {
  auto bytes = api::ram_in_bytes(value);
  if (!bytes) return invalid_flag_value(value, flag, api::invalid_size_message(value), command_name);
  return *bytes;
}

}  // namespace

std::optional<std::string> lookup_process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

void add_container_flags(CLI::App& command, RunFlags& flags, bool with_detach) {
  command.set_help_flag("--help", "Print usage");
  // The image is the first positional; it and everything after it is the container's command
  // line, never our flags: `run busybox sh -c 'echo $$'` must hand "-c" to sh.
  command.prefix_command();
  // Repeatable options take exactly one value per occurrence; without allow_extra_args(false)
  // CLI11 lets `--env=A busybox` swallow the image as a second value.
  auto repeated = [&command](const std::string& names, std::vector<std::string>& into, const std::string& help) {
    command.add_option(names, into, help)
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  if (with_detach) command.add_flag("-d,--detach", flags.detach, "Run container in background and print container ID");
  command.add_flag("-i,--interactive", flags.interactive, "Keep STDIN open even if not attached");
  command.add_flag("-t,--tty", flags.tty, "Allocate a pseudo-TTY");
  command.add_flag("--rm", flags.auto_remove, "Automatically remove the container when it exits");
  command.add_flag("--init", flags.init, "Run an init inside the container that forwards signals and reaps processes");
  command.add_option("--runtime", flags.runtime, "OCI runtime for this container (one of the daemon's, gockerctl info)");
  command.add_option("--name", flags.name, "Assign a name to the container");
  repeated("-e,--env", flags.env, "Set environment variables");
  repeated("--env-file", flags.env_files, "Read in a file of environment variables");
  repeated("-l,--label", flags.labels, "Set meta data on a container");
  repeated("--label-file", flags.label_files, "Read in a line delimited file of labels");
  command.add_option("--restart", flags.restart, "Restart policy to apply when a container exits");
  command.add_option("-w,--workdir", flags.workdir, "Working directory inside the container");
  command.add_option("-u,--user", flags.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  command.add_option("-h,--hostname", flags.hostname, "Container host name");
  command.add_option("-m,--memory", flags.memory, "Memory limit");
  command.add_option("--memory-swap", flags.memory_swap,
                     "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
  command.add_option("--cpus", flags.cpus, "Number of CPUs");
  command.add_option("-c,--cpu-shares", flags.cpu_shares, "CPU shares (relative weight)");
  command.add_option("--cpuset-cpus", flags.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  command.add_option("--cpuset-mems", flags.cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  command.add_option_function<int64_t>(
      "--pids-limit", [&flags](const int64_t& limit) { flags.pids_limit = limit; },
      "Tune container pids limit (set -1 for unlimited)");
  repeated("-v,--volume", flags.volumes, "Bind mount a volume");
  repeated("--mount", flags.mounts, "Attach a filesystem mount to the container");
  repeated("--tmpfs", flags.tmpfs, "Mount a tmpfs directory");
  repeated("--volumes-from", flags.volumes_from, "Mount volumes from the specified container(s)");
  command.add_flag("--read-only", flags.read_only, "Mount the container's root filesystem as read only");
  repeated("-p,--publish", flags.publish, "Publish a container's port(s) to the host");
  command.add_flag("-P,--publish-all", flags.publish_all, "Publish all exposed ports to random ports");
  repeated("--expose", flags.expose, "Expose a port or a range of ports");
  command.add_option("--network,--net", flags.network, "Connect a container to a network");
  command.add_option("--ip", flags.ip, "IPv4 address (e.g., 172.30.100.104)");
  repeated("--network-alias", flags.network_aliases, "Add network-scoped alias for the container");
  repeated("--dns", flags.dns, "Set custom DNS servers");
  repeated("--dns-search", flags.dns_search, "Set custom DNS search domains");
  repeated("--dns-option", flags.dns_options, "Set DNS options");
  repeated("--add-host", flags.add_hosts, "Add a custom host-to-IP mapping (host:ip)");
  command.add_flag("--privileged", flags.privileged, "Give extended privileges to this container");
  command.add_option("--userns", flags.userns, "User namespace to use (host: opt out of the daemon's --userns-remap)");
  repeated("--cap-add", flags.cap_add, "Add Linux capabilities");
  repeated("--cap-drop", flags.cap_drop, "Drop Linux capabilities");
  repeated("--security-opt", flags.security_opt, "Security Options");
  repeated("--ulimit", flags.ulimits, "Ulimit options");
  command.add_option("--oom-score-adj", flags.oom_score_adj, "Tune host's OOM preferences (-1000 to 1000)");
  repeated("--sysctl", flags.sysctls, "Sysctl options");
  repeated("--device", flags.devices, "Add a host device to the container");
  command.add_option_function<std::string>(
      "--entrypoint", [&flags](const std::string& entrypoint) { flags.entrypoint = entrypoint; },
      "Overwrite the default ENTRYPOINT of the image");
}

Outcome<void> take_image_and_command(CLI::App& command, RunFlags& flags) {
  std::vector<std::string> rest = command.remaining();
  const std::string usage_hint = "\nSee 'gockerctl " + command.get_name() + " --help'.";
  if (!rest.empty() && rest.front().size() > 1 && rest.front().front() == '-') {
    return Failure::usage("unknown flag: " + rest.front() + usage_hint);
  }
  if (rest.empty()) {
    return Failure::usage("\"gockerctl " + command.get_name() + "\" requires at least 1 argument." + usage_hint);
  }
  flags.image = rest.front();
  flags.command.assign(rest.begin() + 1, rest.end());
  return {};
}

Outcome<std::vector<std::string>> parse_env_file(std::string_view content, const EnvLookup& lookup) {
  std::vector<std::string> entries;
  // A UTF-8 byte order mark at the start of the file is not part of the first name.
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (content.substr(0, kByteOrderMark.size()) == kByteOrderMark) content.remove_prefix(kByteOrderMark.size());
  while (!content.empty()) {
    size_t newline = content.find('\n');
    std::string_view line = content.substr(0, newline);
    content.remove_prefix(newline == std::string_view::npos ? content.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    size_t first = line.find_first_not_of(" \t\r\n\v\f");
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    if (line.front() == '#') continue;

    size_t equals = line.find('=');
    std::string_view variable = line.substr(0, equals);
    if (variable.find_first_of(kWhitespace) != std::string_view::npos) {
      return Failure::usage("poorly formatted environment: variable '" + std::string(variable) +
                            "' contains whitespaces");
    }
    if (variable.empty()) {
      return Failure::usage("poorly formatted environment: no variable name on line '" + std::string(line) + "'");
    }
    if (equals != std::string_view::npos) {
      entries.push_back(std::string(variable) + "=" + std::string(line.substr(equals + 1)));
    } else if (auto value = lookup(std::string(variable))) {
      entries.push_back(std::string(variable) + "=" + *value);
    }
  }
  return entries;
}

Outcome<int64_t> parse_nano_cpus(std::string_view text) {
  // Exact decimal arithmetic (docker uses big.Rat): a float would turn 0.1 into 99999999.
  auto fail = [text](const std::string& why) { return Failure::usage(why.empty() ? "failed to parse " + std::string(text) + " as a rational number" : why); };
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  size_t dot = digits.find('.');
  std::string_view whole = digits.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : digits.substr(dot + 1);
  auto all_digits = [](std::string_view part) { return part.find_first_not_of("0123456789") == std::string_view::npos; };
  if ((whole.empty() && fraction.empty()) || !all_digits(whole) || !all_digits(fraction)) return fail("");
  size_t significant = fraction.find_last_not_of('0');
  fraction = significant == std::string_view::npos ? std::string_view{} : fraction.substr(0, significant + 1);
  if (fraction.size() > 9) return fail("value is too precise");
  if (whole.size() > 9) return fail("value is too large");
  int64_t nanos = 0;
  for (char c : whole) nanos = nanos * 10 + (c - '0');
  nanos *= 1'000'000'000;
  int64_t scale = 100'000'000;
  for (char c : fraction) {
    nanos += (c - '0') * scale;
    scale /= 10;
  }
  return negative ? -nanos : nanos;
}

Outcome<nlohmann::json> parse_restart_policy(std::string_view text) {
  const size_t colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  int64_t count = 0;
  if (colon != std::string_view::npos) {
    if (name.empty()) return Failure::usage("invalid restart policy format: no policy provided before colon");
    std::string_view digits = text.substr(colon + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (!digits.empty() && (error != std::errc{} || end != digits.data() + digits.size()))
      return Failure::usage("invalid restart policy format: maximum retry count must be an integer");
  }
  return nlohmann::json{{"Name", std::string(name)}, {"MaximumRetryCount", count}};
}

Outcome<nlohmann::json> parse_mount_flag(std::string_view text) {
  auto invalid = [&](const std::string& why) {
    return Failure::usage("invalid argument \"" + std::string(text) + "\" for \"--mount\" flag: " + why);
  };
  nlohmann::json mount{{"Type", "volume"}};
  nlohmann::json bind_options = nlohmann::json::object();
  nlohmann::json volume_options = nlohmann::json::object();
  nlohmann::json tmpfs_options = nlohmann::json::object();
  auto parse_bool = [](const std::string& value, bool& out) {
    if (value == "" || value == "true" || value == "1") out = true;
    else if (value == "false" || value == "0") out = false;
    else return false;
    return true;
  };
  std::string rest(text);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    std::string field = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? rest.size() + 1 : comma + 1;
    if (field.empty()) continue;
    size_t equals = field.find('=');
    std::string key = field.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : field.substr(equals + 1);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "type") {
      mount["Type"] = value;
    } else if (key == "source" || key == "src") {
      mount["Source"] = value;
    } else if (key == "target" || key == "destination" || key == "dst") {
      mount["Target"] = value;
    } else if (key == "readonly" || key == "ro") {
      bool read_only = false;
      if (!parse_bool(value, read_only)) return invalid("invalid value for " + key + ": " + value);
      mount["ReadOnly"] = read_only;
    } else if (key == "bind-propagation") {
      bind_options["Propagation"] = value;
    } else if (key == "volume-nocopy") {
      bool no_copy = false;
      if (!parse_bool(value, no_copy)) return invalid("invalid value for volume-nocopy: " + value);
      volume_options["NoCopy"] = no_copy;
    } else if (key == "volume-label") {
      size_t label_equals = value.find('=');
      volume_options["Labels"][value.substr(0, label_equals)] =
          label_equals == std::string::npos ? "" : value.substr(label_equals + 1);
    } else if (key == "tmpfs-size") {
      auto bytes = api::ram_in_bytes(value);
      if (!bytes) return invalid(api::invalid_size_message(value));
      tmpfs_options["SizeBytes"] = *bytes;
    } else if (key == "tmpfs-mode") {
      uint32_t mode = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), mode, 8);
      if (value.empty() || error != std::errc{} || end != value.data() + value.size())
        return invalid("invalid value for tmpfs-mode: " + value);
      tmpfs_options["Mode"] = mode;
    } else if (key == "consistency" || key == "volume-driver" || key == "volume-opt") {
      // accepted for compatibility; the local driver has nothing to do with them
    } else {
      return invalid("unexpected key '" + key + "' in '" + field + "'");
    }
  }
  if (!mount.contains("Target")) return invalid("target is required");
  if (!bind_options.empty()) mount["BindOptions"] = bind_options;
  if (!volume_options.empty()) mount["VolumeOptions"] = volume_options;
  if (!tmpfs_options.empty()) mount["TmpfsOptions"] = tmpfs_options;
  return mount;
}

Outcome<std::vector<std::pair<std::string, api::PortBinding>>> parse_publish(std::string_view spec) {
  auto fail = [spec](const std::string& why) { return Failure::usage("invalid argument \"" + std::string(spec) + "\" for \"-p, --publish\" flag: " + why); };
  std::string_view rest = spec;
  std::string protocol = "tcp";
  if (size_t slash = rest.rfind('/'); slash != std::string_view::npos) {
    protocol = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") return fail("invalid proto: " + protocol);
  }
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t colon = rest.find(':', start);
    parts.emplace_back(rest.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) return fail("too many colons");
  std::string host_ip, host_ports, container_ports = parts.back();
  if (parts.size() == 2) host_ports = parts[0];
  if (parts.size() == 3) {
    host_ip = parts[0];
    host_ports = parts[1];
  }
  auto range = [](const std::string& text) -> std::optional<std::pair<int, int>> {
    int first = 0, last = 0;
    const size_t dash = text.find('-');
    auto number = [](std::string_view digits, int& out) {
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
      return error == std::errc{} && end == digits.data() + digits.size() && out > 0 && out <= 65535;
    };
    if (!number(std::string_view(text).substr(0, dash), first)) return std::nullopt;
    if (dash == std::string::npos) last = first;
    else if (!number(std::string_view(text).substr(dash + 1), last)) return std::nullopt;
    if (last < first) return std::nullopt;
    return std::pair{first, last};
  };
  auto container_range = range(container_ports);
  if (!container_range) return fail("invalid containerPort: " + container_ports);
  std::optional<std::pair<int, int>> host_range;
  if (!host_ports.empty()) {
    host_range = range(host_ports);
    if (!host_range) return fail("invalid hostPort: " + host_ports);
  }
  const int count = container_range->second - container_range->first + 1;
  std::vector<std::pair<std::string, api::PortBinding>> bindings;
  if (host_range && host_range->second - host_range->first + 1 != count) {
    // One container port and a host range: any free port of the range (docker's rule).
    if (count != 1) return fail("port ranges don't match");
    bindings.push_back({std::to_string(container_range->first) + "/" + protocol, api::PortBinding{host_ip, host_ports}});
    return bindings;
  }
  for (int i = 0; i < count; ++i) {
    api::PortBinding binding{host_ip, host_range ? std::to_string(host_range->first + i) : ""};
    bindings.push_back({std::to_string(container_range->first + i) + "/" + protocol, std::move(binding)});
  }
  return bindings;
}

Outcome<nlohmann::json> build_create_request(const RunFlags& flags, const EnvLookup& lookup,
                                             std::string_view command_name) {
  api::ContainerCreateRequest request;
  api::ContainerConfig& config = request.config;
  api::HostConfig& host = request.host_config;

  // Env files first, then -e, so a -e overrides a file's value for the same variable.
  for (const auto& path : flags.env_files) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return Failure::usage("open " + path + ": " + std::strerror(errno));
    std::ostringstream content;
    content << file.rdbuf();
    auto entries = parse_env_file(content.str(), lookup);
    if (!entries) return std::move(entries).error();
    config.env.insert(config.env.end(), entries->begin(), entries->end());
  }
  for (const auto& entry : flags.env) {
    if (auto added = append_env_entry(entry, lookup, config.env); !added) return std::move(added).error();
  }
  std::vector<std::string> labels;
  for (const auto& path : flags.label_files) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return Failure::usage("open " + path + ": " + std::strerror(errno));
    std::ostringstream content;
    content << file.rdbuf();
    // Same format as an env file, but a bare KEY is a label with an empty value.
    auto entries = parse_env_file(content.str(), [](const std::string&) { return std::optional<std::string>(""); });
    if (!entries) return std::move(entries).error();
    labels.insert(labels.end(), entries->begin(), entries->end());
  }
  labels.insert(labels.end(), flags.labels.begin(), flags.labels.end());
  for (const auto& label : labels) {
    auto equals = label.find('=');
    config.labels[label.substr(0, equals)] = equals == std::string::npos ? "" : label.substr(equals + 1);
  }

  config.image = flags.image;
  config.cmd = flags.command;
  if (flags.entrypoint) {
    // docker: `--entrypoint ""` clears the image's entrypoint, sent as [""].
    config.entrypoint = std::vector<std::string>{*flags.entrypoint};
  }
  config.hostname = flags.hostname;
  config.user = flags.user;
  config.working_dir = flags.workdir;
  config.tty = flags.tty;
  config.open_stdin = flags.interactive;
  // Attached unless detached; stdin only with -i. StdinOnce makes the daemon close the
  // container's stdin when this (the first) attach ends, as docker run sets it.
  const bool attached = !flags.detach;
  config.attach_stdin = attached && flags.interactive;
  config.attach_stdout = attached;
  config.attach_stderr = attached;
  config.stdin_once = config.attach_stdin;

  if (!flags.memory.empty()) {
    auto bytes = parse_memory_flag(flags.memory, "-m, --memory", command_name);
    if (!bytes) return std::move(bytes).error();
    host.memory = *bytes;
  }
  if (flags.memory_swap == "-1") {
    host.memory_swap = -1;
  } else if (!flags.memory_swap.empty()) {
    auto bytes = parse_memory_flag(flags.memory_swap, "--memory-swap", command_name);
    if (!bytes) return std::move(bytes).error();
    host.memory_swap = *bytes;
  }
  if (!flags.cpus.empty()) {
    auto nanos = parse_nano_cpus(flags.cpus);
    if (!nanos) return invalid_flag_value(flags.cpus, "--cpus", nanos.error().message, command_name);
    host.nano_cpus = *nanos;
  }
  host.cpu_shares = flags.cpu_shares;
  host.cpuset_cpus = flags.cpuset_cpus;
  host.cpuset_mems = flags.cpuset_mems;
  host.pids_limit = flags.pids_limit;
  host.auto_remove = flags.auto_remove;
  host.init = flags.init;
  host.runtime = flags.runtime;
  // As the docker CLI: "-v /path" is an anonymous volume in Config.Volumes, anything with a
  // source goes to HostConfig.Binds.
  for (const auto& volume : flags.volumes) {
    if (volume.find(':') == std::string::npos) config.volumes.push_back(volume);
    else host.binds.push_back(volume);
  }
  for (const auto& tmpfs : flags.tmpfs) {
    auto colon = tmpfs.find(':');
    host.tmpfs[tmpfs.substr(0, colon)] = colon == std::string::npos ? "" : tmpfs.substr(colon + 1);
  }
  host.volumes_from = flags.volumes_from;
  host.readonly_rootfs = flags.read_only;
  if (auto security = apply_security_flags(flags, host); !security) return std::move(security).error();

  for (const auto& spec : flags.publish) {
    auto bindings = parse_publish(spec);
    if (!bindings) return std::move(bindings).error();
    for (auto& [port, binding] : *bindings) {
      host.network.port_bindings[port].push_back(std::move(binding));
      if (std::find(config.exposed_ports.begin(), config.exposed_ports.end(), port) == config.exposed_ports.end())
        config.exposed_ports.push_back(port);
    }
  }
  for (const auto& spec : flags.expose) {
    std::string port = spec.find('/') == std::string::npos ? spec + "/tcp" : spec;
    if (std::find(config.exposed_ports.begin(), config.exposed_ports.end(), port) == config.exposed_ports.end())
      config.exposed_ports.push_back(port);
  }
  host.network.publish_all_ports = flags.publish_all;
  host.network.dns = flags.dns;
  host.network.dns_search = flags.dns_search;
  host.network.dns_options = flags.dns_options;
  host.network.extra_hosts = flags.add_hosts;
  host.network_mode = flags.network.empty() ? "default" : flags.network;
  if (!flags.ip.empty() || !flags.network_aliases.empty()) {
    const std::string network = flags.network.empty() ? "default" : flags.network;
    request.networking_config.endpoints[network] = api::EndpointRequest{flags.ip, flags.network_aliases};
  }

  nlohmann::json body = request;
  if (!flags.mounts.empty()) {
    nlohmann::json mounts = nlohmann::json::array();
    for (const auto& text : flags.mounts) {
      auto mount = parse_mount_flag(text);
      if (!mount) return std::move(mount).error();
      mounts.push_back(*mount);
    }
    body["HostConfig"]["Mounts"] = mounts;
  }
  if (!flags.restart.empty()) {
    auto policy = parse_restart_policy(flags.restart);
    if (!policy) return std::move(policy).error();
    body["HostConfig"]["RestartPolicy"] = *policy;
  }
  // The docker CLI sends null, not [], for "no command: use the image's"; do the same so a daemon
  // written against Docker's behaviour sees what it expects.
  if (config.cmd.empty()) body["Cmd"] = nullptr;
  return body;
}

}  // namespace gocker::client
