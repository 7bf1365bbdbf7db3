#pragma once
// `inspect --format`: the small part of Go's text/template that scripts use with docker inspect:
// literal text, {{.Path.To.Field}} and {{json .Path}} (and {{json .}}). Values print as Go prints
// the decoded JSON: strings bare, numbers, true/false, lists as [a b], objects as map[k:v ...]
// with sorted keys, and a missing field as <no value>. Anything else in {{ }} is an error rather
// than a wrong answer.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "outcome.hpp"

namespace gocker::client {

Outcome<std::string> render_inspect_format(std::string_view format, const nlohmann::ordered_json& value);

}  // namespace gocker::client
