#include "engine/image_changes.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <charconv>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

std::string trim(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size() && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  size_t end = text.size();
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// The exec form (a JSON array of strings) if `args` is one; nullopt for the shell form.
std::optional<std::vector<std::string>> exec_form(const std::string& args) {
  if (args.empty() || args.front() != '[') return std::nullopt;
  auto parsed = nlohmann::json::parse(args, nullptr, false);
  if (!parsed.is_array()) return std::nullopt;
  std::vector<std::string> words;
  for (const auto& item : parsed) {
    if (!item.is_string()) return std::nullopt;
    words.push_back(item.get<std::string>());
  }
  return words;
}

std::vector<std::string> command_form(const std::string& args) {
  if (auto words = exec_form(args)) return *words;
  return {"/bin/sh", "-c", args};
}

// "A=b C=d" or the legacy "A b c" (one pair, the value is the rest of the line).
Result<std::vector<std::pair<std::string, std::string>>> name_value_pairs(const std::string& instruction,
                                                                          const std::string& args) {
  auto words = split_change_words(args);
  if (!words) return std::move(words).error();
  std::vector<std::pair<std::string, std::string>> pairs;
  if (words->empty()) return Error::invalid(instruction + " requires at least one argument");
  if (words->front().find('=') == std::string::npos) {
    if (words->size() < 2) return Error::invalid(instruction + " must have two arguments");
    std::string value;
    // The legacy form keeps the text after the name as it was written (quotes removed).
    size_t name_end = args.find_first_of(" \t");
    auto rest = split_change_words(trim(args.substr(name_end)));
    if (!rest) return std::move(rest).error();
    for (size_t i = 0; i < rest->size(); ++i) value += (i ? " " : "") + (*rest)[i];
    pairs.emplace_back(words->front(), value);
    return pairs;
  }
  for (const std::string& word : *words) {
    size_t equals = word.find('=');
    if (equals == std::string::npos || equals == 0)
      return Error::invalid(instruction + " names must be followed by '=' and a value: " + quoted(word));
    pairs.emplace_back(word.substr(0, equals), word.substr(equals + 1));
  }
  return pairs;
}

// The config's Env as a map (later entries win).
std::map<std::string, std::string> env_map(const nlohmann::json& config) {
  std::map<std::string, std::string> env;
  if (!config.contains("Env") || !config["Env"].is_array()) return env;
  for (const auto& item : config["Env"]) {
    if (!item.is_string()) continue;
    const std::string entry = item.get<std::string>();
    const size_t equals = entry.find('=');
    env[entry.substr(0, equals)] = equals == std::string::npos ? "" : entry.substr(equals + 1);
  }
  return env;
}

bool is_name_char(char c, bool first) {
  return c == '_' || std::isalpha(static_cast<unsigned char>(c)) || (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// A Dockerfile's variable substitution in an instruction's arguments, before they are split into
// words: $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alternative} from the image's Env as it was
// before the instruction; nothing inside single quotes; "\$" stays a literal "$". The substituted
// text is escaped for split_change_words, so a value with spaces or quotes stays one word.
Result<std::string> expand_variables(const std::string& args, const std::map<std::string, std::string>& env) {
  std::string out;
  auto append_literal = [&out](const std::string& text) {
    for (char c : text) {
      out += '\\';
      out += c;
    }
  };
  auto lookup = [&env](const std::string& name) -> std::optional<std::string> {
    auto found = env.find(name);
    if (found == env.end()) return std::nullopt;
    return found->second;
  };
  bool in_single = false;
  bool in_double = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const char c = args[i];
    if (in_single) {
      out += c;
      if (c == '\'') in_single = false;
      continue;
    }
    if (c == '\'' && !in_double) {  // inside double quotes a single quote is an ordinary character
      in_single = true;
      out += c;
      continue;
    }
    if (c == '"') in_double = !in_double;
    if (c == '\\' && i + 1 < args.size()) {
      out += c;
      out += args[++i];
      continue;
    }
    if (c != '$' || i + 1 >= args.size()) {
      out += c;
      continue;
    }
    if (args[i + 1] == '{') {
      const size_t close = args.find('}', i + 2);
      if (close == std::string::npos) return Error::invalid("missing '}' in " + quoted(args));
      const std::string inner = args.substr(i + 2, close - i - 2);
      const size_t colon = inner.find(':');
      const std::string name = inner.substr(0, colon);
      if (name.empty() || !is_name_char(name[0], true)) return Error::invalid("bad substitution in " + quoted(args));
      auto value = lookup(name);
      if (colon == std::string::npos) {
        append_literal(value.value_or(""));
      } else if (colon + 1 < inner.size() && inner[colon + 1] == '-') {
        append_literal(value && !value->empty() ? *value : inner.substr(colon + 2));
      } else if (colon + 1 < inner.size() && inner[colon + 1] == '+') {
        append_literal(value && !value->empty() ? inner.substr(colon + 2) : "");
      } else {
        return Error::invalid("unsupported modifier in " + quoted(args));
      }
      i = close;
      continue;
    }
    if (!is_name_char(args[i + 1], true)) {
      out += c;
      continue;
    }
    size_t end = i + 1;
    while (end < args.size() && is_name_char(args[end], false)) ++end;
    append_literal(lookup(args.substr(i + 1, end - i - 1)).value_or(""));
    i = end - 1;
  }
  return out;
}

void set_env(nlohmann::json& config, const std::string& name, const std::string& value) {
  nlohmann::json env = config.contains("Env") && config["Env"].is_array() ? config["Env"] : nlohmann::json::array();
  const std::string entry = name + "=" + value;
  for (auto& item : env) {
    if (item.is_string() && starts_with(item.get<std::string>(), name + "=")) {
      item = entry;
      config["Env"] = std::move(env);
      return;
    }
  }
  env.push_back(entry);
  config["Env"] = std::move(env);
}

// path.Clean for absolute paths.
std::string clean_absolute(const std::string& path) {
  std::vector<std::string> parts;
  for (const std::string& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const std::string& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

bool parse_port(std::string_view text, int& port) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  return error == std::errc() && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

Status expose_ports(nlohmann::json& config, const std::string& args) {
  auto words = split_change_words(args);
  if (!words) return std::move(words).error();
  if (words->empty()) return Error::invalid("EXPOSE requires at least one argument");
  nlohmann::json ports = config.contains("ExposedPorts") && config["ExposedPorts"].is_object() ? config["ExposedPorts"]
                                                                                             : nlohmann::json::object();
  for (const std::string& word : *words) {
    std::string range = word;
    std::string protocol = "tcp";
    if (size_t slash = word.find('/'); slash != std::string::npos) {
      range = word.substr(0, slash);
      protocol = word.substr(slash + 1);
      std::transform(protocol.begin(), protocol.end(), protocol.begin(), [](unsigned char c) { return std::tolower(c); });
      if (protocol != "tcp" && protocol != "udp" && protocol != "sctp")
        return Error::invalid("EXPOSE: invalid protocol in " + quoted(word));
    }
    int first = 0;
    int last = 0;
    size_t dash = range.find('-');
    bool valid = dash == std::string::npos
                     ? parse_port(range, first) && (last = first, true)
                     : parse_port(std::string_view(range).substr(0, dash), first) &&
                           parse_port(std::string_view(range).substr(dash + 1), last) && last >= first;
    if (!valid) return Error::invalid("EXPOSE: invalid port " + quoted(word));
    for (int port = first; port <= last; ++port) ports[std::to_string(port) + "/" + protocol] = nlohmann::json::object();
  }
  config["ExposedPorts"] = std::move(ports);
  return ok();
}

Status apply_one(nlohmann::json& config, const std::string& line, bool& cmd_set) {
  size_t space = line.find_first_of(" \t");
  const std::string instruction = upper(line.substr(0, space));
  const std::string args = space == std::string::npos ? "" : trim(line.substr(space));
  auto require_args = [&]() -> Status {
    if (args.empty()) return Error::invalid(instruction + " requires at least one argument");
    return ok();
  };

  if (instruction == "CMD") {
    GOCKER_TRY(require_args());
    config["Cmd"] = command_form(args);
    cmd_set = true;
  } else if (instruction == "ENTRYPOINT") {
    GOCKER_TRY(require_args());
    config["Entrypoint"] = command_form(args);
    // As in a Dockerfile: a new entrypoint does not inherit the old command.
    if (!cmd_set) config["Cmd"] = nullptr;
  } else if (instruction == "ENV" || instruction == "LABEL") {
    auto expanded = expand_variables(args, env_map(config));
    if (!expanded) return std::move(expanded).error().context(instruction);
    auto pairs = name_value_pairs(instruction, *expanded);
    if (!pairs) return std::move(pairs).error();
    for (auto& [name, value] : *pairs) {
      if (instruction == "ENV") {
        set_env(config, name, value);
      } else {
        if (!config.contains("Labels") || !config["Labels"].is_object()) config["Labels"] = nlohmann::json::object();
        config["Labels"][name] = value;
      }
    }
  } else if (instruction == "WORKDIR") {
    GOCKER_TRY(require_args());
    std::string current = config.contains("WorkingDir") && config["WorkingDir"].is_string()
                              ? config["WorkingDir"].get<std::string>()
                              : "";
    config["WorkingDir"] = clean_absolute(args.front() == '/' ? args : (current.empty() ? "/" : current) + "/" + args);
  } else if (instruction == "USER") {
    GOCKER_TRY(require_args());
    config["User"] = args;
  } else if (instruction == "STOPSIGNAL") {
    GOCKER_TRY(require_args());
    config["StopSignal"] = args;
  } else if (instruction == "EXPOSE") {
    GOCKER_TRY(expose_ports(config, args));
  } else if (instruction == "VOLUME") {
    GOCKER_TRY(require_args());
    std::vector<std::string> paths;
    if (auto words = exec_form(args)) {
      paths = *words;
    } else {
      auto split_words = split_change_words(args);
      if (!split_words) return std::move(split_words).error();
      paths = *split_words;
    }
    if (!config.contains("Volumes") || !config["Volumes"].is_object()) config["Volumes"] = nlohmann::json::object();
    for (const std::string& path : paths) {
      if (path.empty()) return Error::invalid("VOLUME specified can not be an empty string");
      config["Volumes"][path] = nlohmann::json::object();
    }
  } else if (instruction == "ONBUILD") {
    GOCKER_TRY(require_args());
    if (!config.contains("OnBuild") || !config["OnBuild"].is_array()) config["OnBuild"] = nlohmann::json::array();
    config["OnBuild"].push_back(args);
  } else {
    return Error::invalid(instruction + " is not a valid change command");
  }
  return ok();
}

}  // namespace

Result<std::vector<std::string>> split_change_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == 0 && std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\' && quote != '\'') {
      if (i + 1 >= text.size()) return Error::invalid("change ends with an escape: " + quoted(text));
      word += text[++i];
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else {
      word += c;
    }
  }
  if (quote != 0) return Error::invalid("unmatched quote in change: " + quoted(text));
  if (in_word) words.push_back(std::move(word));
  return words;
}

Status apply_image_changes(nlohmann::json& config, const std::vector<std::string>& changes) {
  if (!config.is_object()) return Error::internal("apply changes: the image config is not an object");
  nlohmann::json changed = config;
  bool cmd_set = false;
  for (const std::string& change : changes) {
    for (const std::string& raw_line : split(change, '\n')) {
      const std::string line = trim(raw_line);
      if (line.empty() || line.front() == '#') continue;
      if (auto applied = apply_one(changed, line, cmd_set); !applied)
        return std::move(applied).error().context("invalid change " + quoted(line));
    }
  }
  config = std::move(changed);
  return ok();
}

}  // namespace gocker::engine
