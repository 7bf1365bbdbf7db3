// gockerctl commit, import, export, tag, rmi, history, save, load, and the `image` group (rm, tag,
// history, inspect, import, save, load), as the docker CLI has them.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attach_session.hpp"
#include "commands.hpp"
#include "format.hpp"
#include "image_upload.hpp"
#include "messages.hpp"
#include "stream_pump.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

// "name[:tag]" as the docker CLI splits it: the tag follows the last ':' after the last '/'
// ("localhost:5000/a" has none). The daemon validates both parts.
std::pair<std::string, std::string> split_repo_tag(const std::string& reference) {
  const size_t colon = reference.rfind(':');
  const size_t slash = reference.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {reference, ""};
  return {reference.substr(0, colon), reference.substr(colon + 1)};
}

std::string image_path(const std::string& name, std::string_view suffix = {}) {
  return "/images/" + escape_component(name) + std::string(suffix);
}

int fail(const Failure& failure, int code = kExitCommandFailure) {
  print_failure(failure);
  return exit_code_for(failure, code);
}

// GET `target` into `output` (stdout when empty). A file is written beside its target and renamed
// at the end, so a failed transfer leaves no partial file.
int stream_to_output(ApiClient& client, const std::string& target, const std::string& output) {
  int fd = STDOUT_FILENO;
  std::string temp_path;
  if (!output.empty()) {
    temp_path = output + ".gockerctl-XXXXXX";
    fd = ::mkstemp(temp_path.data());
    if (fd < 0) return fail(Failure::local("create " + output + ": " + std::strerror(errno)));
  }
  auto streamed = client.stream(Method::Get, target, [fd](std::string_view piece) { return write_all(fd, piece); });
  if (!output.empty()) {
    bool ok = streamed && ::fchmod(fd, 0644) == 0 && ::close(fd) == 0;
    if (ok && ::rename(temp_path.c_str(), output.c_str()) != 0) ok = false;
    if (!ok) {
      ::unlink(temp_path.c_str());
      if (streamed) return fail(Failure::local("write " + output + ": " + std::strerror(errno)));
    }
  }
  if (!streamed) return fail(streamed.error());
  return 0;
}

// ---- commit ----
struct CommitFlags {
  std::string author;
  std::vector<std::string> changes;
  std::string message;
  bool pause = true;
  std::string container;
  std::string reference;
};

int commit(const GlobalOptions& global, const CommitFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto [repo, tag] = split_repo_tag(flags.reference);
  std::vector<std::pair<std::string, std::string>> query{{"container", flags.container}, {"repo", repo}, {"tag", tag},
                                                         {"comment", flags.message},     {"author", flags.author},
                                                         {"pause", flags.pause ? "1" : "0"}};
  for (const std::string& change : flags.changes) query.emplace_back("changes", change);
  auto reply = client->call_expecting_success(Method::Post, api_target("/commit", query));
  if (!reply) return fail(reply.error());
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (!body.is_object() || !body.contains("Id") || !body["Id"].is_string())
    return fail(Failure::transport("malformed commit answer from the daemon"));
  std::cout << body["Id"].get<std::string>() << std::endl;
  return 0;
}

// ---- import ----
struct ImportFlags {
  std::vector<std::string> changes;
  std::string message;
  std::string file;
  std::string reference;
};

int import_image(const GlobalOptions& global, const ImportFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  int fd = STDIN_FILENO;
  if (flags.file != "-") {
    fd = ::open(flags.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(Failure::local("open " + flags.file + ": " + std::strerror(errno)));
  }
  auto [repo, tag] = split_repo_tag(flags.reference);
  std::vector<std::pair<std::string, std::string>> query{{"fromSrc", "-"}, {"repo", repo}, {"tag", tag},
                                                         {"message", flags.message}};
  for (const std::string& change : flags.changes) query.emplace_back("changes", change);
  auto reply = post_streamed_body(client->address(), api_target("/images/create", query), fd);
  if (fd != STDIN_FILENO) ::close(fd);
  if (!reply) return fail(reply.error());
  if (reply->is_error()) return fail(daemon_failure(*reply));
  auto id = imported_image_id(reply->body);
  if (!id) return fail(id.error());
  std::cout << *id << std::endl;
  return 0;
}

// ---- export ----
struct ExportFlags {
  std::string output;
  std::string container;
};

int export_container(const GlobalOptions& global, const ExportFlags& flags) {
  if (flags.output.empty() && ::isatty(STDOUT_FILENO))
    return fail(Failure::usage("cowardly refusing to save to a terminal. Use the -o flag or redirect"));
  auto client = open_client(global);
  if (!client) return fail(client.error());
  return stream_to_output(*client, api_target(container_path(flags.container, "/export")), flags.output);
}

// ---- save / load ----
struct SaveFlags {
  std::string output;
  std::vector<std::string> images;
};

int save_images(const GlobalOptions& global, const SaveFlags& flags) {
  if (flags.output.empty() && ::isatty(STDOUT_FILENO))
    return fail(Failure::usage("cowardly refusing to save to a terminal. Use the -o flag or redirect"));
  auto client = open_client(global);
  if (!client) return fail(client.error());
  std::vector<std::pair<std::string, std::string>> query;
  for (const std::string& image : flags.images) query.emplace_back("names", image);
  return stream_to_output(*client, api_target("/images/get", query), flags.output);
}

struct LoadFlags {
  std::string input;
  bool quiet = false;
};

int load_images(const GlobalOptions& global, const LoadFlags& flags) {
  int fd = STDIN_FILENO;
  if (!flags.input.empty()) {
    fd = ::open(flags.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(Failure::local("open " + flags.input + ": " + std::strerror(errno)));
  } else if (::isatty(STDIN_FILENO)) {
    return fail(Failure::usage("requested load from stdin, but stdin is empty"));
  }
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto reply = post_streamed_body(client->address(), api_target("/images/load", {{"quiet", flags.quiet ? "1" : "0"}}), fd);
  if (fd != STDIN_FILENO) ::close(fd);
  if (!reply) return fail(reply.error());
  if (reply->is_error()) return fail(daemon_failure(*reply));
  // dockerd's JSON messages: {"stream": "Loaded image: x:y\n"}, layer progress, or an error.
  std::istringstream lines(reply->body);
  std::string line;
  while (std::getline(lines, line)) {
    auto message = nlohmann::json::parse(line, nullptr, false);
    if (!message.is_object()) continue;
    if (auto error = message.find("error"); error != message.end() && error->is_string())
      return fail(Failure{FailureKind::Daemon, 0, error->get<std::string>()});
    if (auto text = message.find("stream"); text != message.end() && text->is_string()) {
      std::cout << text->get<std::string>();
    } else if (!flags.quiet && message.contains("status") && message["status"].is_string()) {
      std::cout << message.value("id", "") << (message.contains("id") ? ": " : "") << message["status"].get<std::string>() << "\n";
    }
  }
  std::cout.flush();
  return 0;
}

// ---- tag ----
struct TagFlags {
  std::string source;
  std::string target;
};

int tag_image(const GlobalOptions& global, const TagFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto [repo, tag] = split_repo_tag(flags.target);
  auto reply = client->call_expecting_success(Method::Post, api_target(image_path(flags.source, "/tag"),
                                                                       {{"repo", repo}, {"tag", tag}}));
  if (!reply) return fail(reply.error());
  return 0;
}

// ---- rmi ----
struct RmiFlags {
  bool force = false;
  bool no_prune = false;
  std::vector<std::string> images;
};

int remove_images(const GlobalOptions& global, const RmiFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  int exit_code = 0;
  for (const std::string& image : flags.images) {
    auto reply = client->call_expecting_success(
        Method::Delete, api_target(image_path(image), {{"force", flags.force ? "1" : ""}, {"noprune", flags.no_prune ? "1" : ""}}));
    if (!reply) {
      exit_code = fail(reply.error());
      if (reply.error().kind == FailureKind::CannotConnect) break;
      continue;
    }
    auto items = nlohmann::json::parse(reply->body, nullptr, false);
    if (!items.is_array()) continue;
    for (const auto& item : items) {
      if (!item.is_object()) continue;
      if (item.contains("Untagged") && item["Untagged"].is_string())
        std::cout << "Untagged: " << item["Untagged"].get<std::string>() << "\n";
      if (item.contains("Deleted") && item["Deleted"].is_string())
        std::cout << "Deleted: " << item["Deleted"].get<std::string>() << "\n";
    }
    std::cout.flush();
  }
  return exit_code;
}

// ---- history ----
struct HistoryFlags {
  bool no_trunc = false;
  bool quiet = false;
  bool human = true;
  std::string image;
};

int history(const GlobalOptions& global, const HistoryFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto rows = client->get_json(api_target(image_path(flags.image, "/history")));
  if (!rows) return fail(rows.error());
  if (!rows->is_array()) return fail(Failure::transport("malformed history answer from the daemon"));
  const int64_t now = std::time(nullptr);
  std::vector<std::vector<std::string>> table{{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}};
  for (const auto& row : *rows) {
    std::string id = row.value("Id", "");
    if (id != "<missing>" && !flags.no_trunc) id = short_id(id);
    if (flags.quiet) {
      std::cout << id << "\n";
      continue;
    }
    const int64_t created = row.value("Created", int64_t{0});
    std::string created_by = row.value("CreatedBy", "");
    if (!flags.no_trunc) created_by = ellipsis(created_by, 45);
    const int64_t size = row.value("Size", int64_t{0});
    table.push_back({id, flags.human ? time_ago(created, now) : std::to_string(created), created_by,
                     flags.human ? human_size(static_cast<double>(size)) : std::to_string(size),
                     row.value("Comment", "")});
  }
  if (!flags.quiet) std::cout << format_table(table);
  std::cout.flush();
  return 0;
}

// ---- image inspect ----
int inspect_images(const GlobalOptions& global, const std::vector<std::string>& names) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  nlohmann::json all = nlohmann::json::array();
  int exit_code = 0;
  for (const std::string& name : names) {
    auto image = client->get_json(api_target(image_path(name, "/json")));
    if (!image) {
      exit_code = fail(image.error());
      continue;
    }
    all.push_back(std::move(*image));
  }
  std::cout << all.dump(4) << std::endl;
  return exit_code;
}

// The commands, registered under `parent` (the top level, or the `image` group).
void add_image_commands(CLI::App& parent, CommandTable& table, const GlobalOptions& global, bool in_group) {
  auto tag_flags = std::make_shared<TagFlags>();
  CLI::App* tag = parent.add_subcommand("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
  tag->add_option("SOURCE_IMAGE", tag_flags->source)->required();
  tag->add_option("TARGET_IMAGE", tag_flags->target)->required();
  table.push_back({tag, [&global, tag_flags] { return tag_image(global, *tag_flags); }});

  auto rmi_flags = std::make_shared<RmiFlags>();
  CLI::App* rmi = parent.add_subcommand(in_group ? "rm" : "rmi", "Remove one or more images");
  rmi->add_flag("-f,--force", rmi_flags->force, "Force removal of the image");
  rmi->add_flag("--no-prune", rmi_flags->no_prune, "Do not delete untagged parents");
  rmi->add_option("IMAGE", rmi_flags->images)->required();
  table.push_back({rmi, [&global, rmi_flags] { return remove_images(global, *rmi_flags); }});

  auto history_flags = std::make_shared<HistoryFlags>();
  CLI::App* history_command = parent.add_subcommand("history", "Show the history of an image");
  history_command->add_flag("--no-trunc", history_flags->no_trunc, "Don't truncate output");
  history_command->add_flag("-q,--quiet", history_flags->quiet, "Only show image IDs");
  history_command->add_flag("-H,--human", history_flags->human, "Print sizes and dates in human readable format");
  history_command->add_option("IMAGE", history_flags->image)->required();
  table.push_back({history_command, [&global, history_flags] { return history(global, *history_flags); }});

  auto import_flags = std::make_shared<ImportFlags>();
  CLI::App* import_command = parent.add_subcommand("import", "Import the contents from a tarball to create a filesystem image");
  import_command->add_option("-c,--change", import_flags->changes, "Apply Dockerfile instruction to the created image")
      ->expected(1)
      ->allow_extra_args(false);  // one value per -c: the positional arguments stay positional
  import_command->add_option("-m,--message", import_flags->message, "Set commit message for imported image");
  import_command->add_option("FILE", import_flags->file, "A tar file, or - for stdin")->required();
  import_command->add_option("REPOSITORY[:TAG]", import_flags->reference);
  table.push_back({import_command, [&global, import_flags] { return import_image(global, *import_flags); }});

  auto save_flags = std::make_shared<SaveFlags>();
  CLI::App* save_command = parent.add_subcommand("save", "Save one or more images to a tar archive (streamed to STDOUT by default)");
  save_command->add_option("-o,--output", save_flags->output, "Write to a file, instead of STDOUT");
  save_command->add_option("IMAGE", save_flags->images)->required();
  table.push_back({save_command, [&global, save_flags] { return save_images(global, *save_flags); }});

  auto load_flags = std::make_shared<LoadFlags>();
  CLI::App* load_command = parent.add_subcommand("load", "Load an image from a tar archive or STDIN");
  load_command->add_option("-i,--input", load_flags->input, "Read from tar archive file, instead of STDIN");
  load_command->add_flag("-q,--quiet", load_flags->quiet, "Suppress the load output");
  table.push_back({load_command, [&global, load_flags] { return load_images(global, *load_flags); }});
}

}  // namespace

void register_image_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  add_image_commands(app, table, global, /*in_group=*/false);

  auto commit_flags = std::make_shared<CommitFlags>();
  CLI::App* commit_command = app.add_subcommand("commit", "Create a new image from a container's changes");
  commit_command->add_option("-a,--author", commit_flags->author, "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
  commit_command->add_option("-c,--change", commit_flags->changes, "Apply Dockerfile instruction to the created image")
      ->expected(1)
      ->allow_extra_args(false);
  commit_command->add_option("-m,--message", commit_flags->message, "Commit message");
  commit_command->add_flag("-p,--pause,!--no-pause", commit_flags->pause, "Pause container during commit (default true)");
  commit_command->add_option("CONTAINER", commit_flags->container)->required();
  commit_command->add_option("REPOSITORY[:TAG]", commit_flags->reference);
  table.push_back({commit_command, [&global, commit_flags] { return commit(global, *commit_flags); }});

  auto export_flags = std::make_shared<ExportFlags>();
  CLI::App* export_command = app.add_subcommand("export", "Export a container's filesystem as a tar archive");
  export_command->add_option("-o,--output", export_flags->output, "Write to a file, instead of STDOUT");
  export_command->add_option("CONTAINER", export_flags->container)->required();
  table.push_back({export_command, [&global, export_flags] { return export_container(global, *export_flags); }});

  CLI::App* group = app.add_subcommand("image", "Manage images");
  add_image_commands(*group, table, global, /*in_group=*/true);
  auto inspect_names = std::make_shared<std::vector<std::string>>();
  CLI::App* inspect = group->add_subcommand("inspect", "Display detailed information on one or more images");
  inspect->add_option("IMAGE", *inspect_names)->required();
  table.push_back({inspect, [&global, inspect_names] { return inspect_images(global, *inspect_names); }});
}

}  // namespace gocker::client
