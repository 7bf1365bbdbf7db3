// gockerctl events: streams GET /events, one line per event (docker's text form, or --format).
// The body is newline-delimited JSON; a line may arrive split across reads, so input is buffered
// until its newline. --format supports what inspect --format supports ({{json .}}, {{.Field}}).
#include <chrono>
#include <iostream>
#include <memory>

#include "attach_session.hpp"
#include "commands.hpp"
#include "event_lines.hpp"
#include "inspect_format.hpp"
#include "messages.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

struct EventsFlags {
  std::string since;
  std::string until;
  std::vector<std::string> filters;  // key=value, repeatable
  std::string format;
};

int64_t now_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The docker CLI's encoding of --filter: {"key":{"value":true}}.
Outcome<std::string> encode_filters(const std::vector<std::string>& filters) {
  if (filters.empty()) return std::string();
  nlohmann::json by_key = nlohmann::json::object();
  for (const auto& filter : filters) {
    const size_t equals = filter.find('=');
    if (equals == std::string::npos || equals == 0) return Failure::usage("bad format of filter (expected name=value)");
    by_key[filter.substr(0, equals)][filter.substr(equals + 1)] = true;
  }
  return by_key.dump();
}

Outcome<void> print_event(std::string_view line, const std::string& format) {
  auto parsed = nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return Failure::transport("malformed event from the daemon: " + std::string(line));
  if (!format.empty()) {
    auto rendered = render_inspect_format(format, parsed);
    if (!rendered) return std::move(rendered).error();
    std::cout << *rendered << std::endl;
    return {};
  }
  api::EventMessage event;
  try {
    api::from_json(nlohmann::json::parse(line), event);
  } catch (const nlohmann::json::exception& error) {
    return Failure::transport(std::string("malformed event from the daemon: ") + error.what());
  }
  std::cout << event_line(event) << std::endl;
  return {};
}

int stream_events(const GlobalOptions& global, const EventsFlags& flags) {
  std::vector<std::pair<std::string, std::string>> query;
  const int64_t now = now_nanos();
  for (const auto& [key, text] : {std::pair{"since", flags.since}, std::pair{"until", flags.until}}) {
    if (text.empty()) continue;
    auto value = event_time_parameter(text, now);
    if (!value) {
      print_failure(value.error());
      return exit_code_for(value.error(), kExitCommandFailure);
    }
    query.emplace_back(key, *value);
  }
  auto filters = encode_filters(flags.filters);
  if (!filters) {
    print_failure(filters.error());
    return exit_code_for(filters.error(), kExitCommandFailure);
  }
  if (!filters->empty()) query.emplace_back("filters", *filters);
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  std::string pending;
  auto streamed = client->stream(Method::Get, api_target("/events", query), [&](std::string_view piece) -> Outcome<void> {
    pending.append(piece);
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      if (line.empty()) continue;
      if (auto printed = print_event(line, flags.format); !printed) return printed;
    }
    return {};
  });
  if (!streamed) {
    print_failure(streamed.error());
    return exit_code_for(streamed.error(), kExitCommandFailure);
  }
  return 0;
}

}  // namespace

void register_events_command(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto flags = std::make_shared<EventsFlags>();
  CLI::App* events = app.add_subcommand("events", "Get real time events from the server");
  events->add_option("--since", flags->since, "Show all events created since timestamp");
  events->add_option("--until", flags->until, "Stream events until this timestamp");
  events->add_option("-f,--filter", flags->filters, "Filter output based on conditions provided")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  events->add_option("--format", flags->format, "Format the output using the given Go template");
  table.push_back({events, [&global, flags] { return stream_events(global, *flags); }});
}

}  // namespace gocker::client
