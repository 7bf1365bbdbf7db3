// logs: the container's stored output, demultiplexed like attach output unless it has a tty.
#include <unistd.h>

#include <memory>

#include "api/container_types.hpp"
#include "attach_session.hpp"
#include "commands.hpp"
#include "frame_demuxer.hpp"
#include "messages.hpp"
#include "stream_pump.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

struct LogsFlags {
  bool follow = false;
  bool timestamps = false;
  std::string tail = "all";
  std::string since;
  std::string until;
  std::string container;
};

int show_logs(const GlobalOptions& global, const LogsFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  // The stream format depends on the container's Tty, which only inspect tells (docker asks too).
  auto inspected = client->get_json(api_target(container_path(flags.container, "/json")));
  if (!inspected) {
    print_failure(inspected.error());
    return kExitCommandFailure;
  }
  bool tty = false;
  if (auto config = inspected->find("Config"); config != inspected->end() && config->is_object()) {
    if (auto value = config->find("Tty"); value != config->end() && value->is_boolean()) tty = value->get<bool>();
  }

  auto target = api_target(container_path(flags.container, "/logs"), {{"stdout", "1"},
                                                                       {"stderr", "1"},
                                                                       {"follow", flags.follow ? "1" : ""},
                                                                       {"tail", flags.tail},
                                                                       {"since", flags.since},
                                                                       {"until", flags.until},
                                                                       {"timestamps", flags.timestamps ? "1" : ""}});
  FrameDemuxer demuxer([](api::StreamType stream, std::string_view payload) {
    return write_all(stream == api::StreamType::Stderr ? STDERR_FILENO : STDOUT_FILENO, payload);
  });
  auto streamed = client->stream(Method::Get, target, [tty, &demuxer](std::string_view piece) -> Outcome<void> {
    if (tty) return write_all(STDOUT_FILENO, piece);
    return demuxer.feed(piece);
  });
  if (!streamed) {
    print_failure(streamed.error());
    return kExitCommandFailure;
  }
  return 0;
}

}  // namespace

void register_logs_command(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto flags = std::make_shared<LogsFlags>();
  CLI::App* logs = app.add_subcommand("logs", "Fetch the logs of a container");
  logs->add_flag("-f,--follow", flags->follow, "Follow log output");
  logs->add_flag("-t,--timestamps", flags->timestamps, "Show timestamps");
  logs->add_option("-n,--tail", flags->tail, "Number of lines to show from the end of the logs (default \"all\")");
  logs->add_option("--since", flags->since, "Show logs since timestamp or relative (e.g. 42m)");
  logs->add_option("--until", flags->until, "Show logs before a timestamp or relative (e.g. 42m)");
  logs->add_option("CONTAINER", flags->container)->required();
  table.push_back({logs, [&global, flags] { return show_logs(global, *flags); }});
}

}  // namespace gocker::client
