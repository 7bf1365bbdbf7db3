#include "inspect_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace gocker::client {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// docker inspect formats typed structs, so integer fields print as integers; a float prints
// with the fewest digits that read back to the same value, as Go's %v does.
std::string go_number(const nlohmann::ordered_json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  double number = value.get<double>();
  char buffer[64];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, number);
    if (std::strtod(buffer, nullptr) == number) break;
  }
  return buffer;
}

std::string go_print(const nlohmann::ordered_json& value) {
  if (value.is_null()) return "<nil>";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return go_number(value);
  std::string out;
  if (value.is_array()) {
    out = "[";
    bool first = true;
    for (const auto& element : value) {
      if (!first) out += ' ';
      first = false;
      out += go_print(element);
    }
    return out + "]";
  }
  // Go's fmt prints map keys sorted.
  std::vector<std::string> keys;
  for (const auto& item : value.items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end());
  out = "map[";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ' ';
    out += keys[i] + ":" + go_print(value.at(keys[i]));
  }
  return out + "]";
}

// Resolves ".A.B" (or "."); nullptr when a field is missing.
const nlohmann::ordered_json* resolve(std::string_view path, const nlohmann::ordered_json& root) {
  const nlohmann::ordered_json* current = &root;
  path.remove_prefix(1);  // the leading '.'
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    path.remove_prefix(dot == std::string_view::npos ? path.size() : dot + 1);
    if (!current->is_object()) return nullptr;
    auto it = current->find(key);
    if (it == current->end()) return nullptr;
    current = &*it;
  }
  return current;
}

// Splits `.Label "a.b"` into the method path and its unquoted argument; nullopt when the action
// is not of that shape (then it is a plain field path, or unsupported).
struct MethodCall {
  std::string_view path;
  std::string argument;
};

std::optional<MethodCall> parse_method_call(std::string_view action) {
  size_t space = action.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view path = action.substr(0, space);
  std::string_view literal = trim(action.substr(space + 1));
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') return std::nullopt;
  literal = literal.substr(1, literal.size() - 2);
  std::string argument;
  for (size_t i = 0; i < literal.size(); ++i) {
    if (literal[i] == '"') return std::nullopt;  // two literals, or an unescaped quote
    if (literal[i] == '\\') {
      if (i + 1 == literal.size() || (literal[i + 1] != '"' && literal[i + 1] != '\\')) return std::nullopt;
      ++i;
    }
    argument += literal[i];
  }
  return MethodCall{path, std::move(argument)};
}

}  // namespace

Outcome<std::string> render_inspect_format(std::string_view format, const nlohmann::ordered_json& value) {
  return render_template(format, value, {});
}

Outcome<std::string> render_template(std::string_view format, const nlohmann::ordered_json& value,
                                     const TemplateMethod& methods) {
  std::string out;
  while (!format.empty()) {
    size_t open = format.find("{{");
    out.append(format.substr(0, open));
    if (open == std::string_view::npos) break;
    size_t close = format.find("}}", open);
    if (close == std::string_view::npos) return Failure::usage("template parsing error: unclosed action");
    std::string_view action = trim(format.substr(open + 2, close - open - 2));
    format.remove_prefix(close + 2);

    bool as_json = false;
    if (action.substr(0, 5) == "json ") {
      as_json = true;
      action = trim(action.substr(5));
    }
    std::optional<nlohmann::ordered_json> method_result;
    if (methods && !action.empty() && action.front() == '.') {
      if (auto call = parse_method_call(action)) {
        const std::string_view name = call->path.substr(1);
        if (name.empty() || name.find('.') != std::string_view::npos ||
            !(method_result = methods(name, call->argument))) {
          return Failure::usage("template: can't call method " + std::string(call->path) + " with an argument");
        }
      }
    }
    if (!method_result &&
        (action.empty() || action.front() != '.' || action.find(' ') != std::string_view::npos)) {
      return Failure::usage("template: unsupported action {{" + std::string(action) +
                            "}} (supported: {{.Field.Path}} and {{json .Field.Path}})");
    }
    const nlohmann::ordered_json* field = method_result ? &*method_result : resolve(action, value);
    if (as_json) out += field == nullptr ? "null" : field->dump();
    else out += field == nullptr ? "<no value>" : go_print(*field);
  }
  return out;
}

}  // namespace gocker::client
