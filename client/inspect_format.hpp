#pragma once
// `inspect --format`: the small part of Go's text/template that scripts use with docker inspect:
// literal text, {{.Path.To.Field}} and {{json .Path}} (and {{json .}}). Values print as Go prints
// the decoded JSON: strings bare, numbers, true/false, lists as [a b], objects as map[k:v ...]
// with sorted keys, and a missing field as <no value>. Anything else in {{ }} is an error rather
// than a wrong answer.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "outcome.hpp"

namespace gocker::client {

Outcome<std::string> render_inspect_format(std::string_view format, const nlohmann::ordered_json& value);

// A method of the value that a template calls with one string argument, as Go templates call
// methods of the struct they format: {{.Label "com.example.tier"}}. Returns nullopt when the
// value has no method of that name.
using TemplateMethod =
    std::function<std::optional<nlohmann::ordered_json>(std::string_view name, std::string_view argument)>;

// The same subset, plus {{.Method "argument"}} calls answered by `methods` (Go's double-quoted
// string literal, with \" and \\ escapes). render_inspect_format is this without methods.
Outcome<std::string> render_template(std::string_view format, const nlohmann::ordered_json& value,
                                     const TemplateMethod& methods);

}  // namespace gocker::client
