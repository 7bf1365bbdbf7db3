#pragma once
// Docker Engine API (v1.41) exec wire types: POST /containers/{id}/exec, POST /exec/{id}/start,
// GET /exec/{id}/json. Field names are Docker's; nulls in requests mean "default". No I/O here.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gocker::api {

// POST /containers/{id}/exec body (moby's ExecConfig / ExecOptions).
struct ExecCreateRequest {
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
  std::string detach_keys;
  bool tty = false;
  std::vector<std::string> env;  // "KEY=value", added to (and overriding) the container's
  std::vector<std::string> cmd;
  bool privileged = false;
  std::string user;         // "" = the container's user
  std::string working_dir;  // "" = the container's working dir
};

// 201 {"Id": "..."}
struct ExecCreateResponse {
  std::string id;
};

// POST /exec/{id}/start body.
struct ExecStartRequest {
  bool detach = false;
  bool tty = false;
};

struct ExecProcessConfig {
  bool tty = false;
  std::string entrypoint;
  std::vector<std::string> arguments;
  bool privileged = false;
  std::string user;
};

// GET /exec/{id}/json
struct ExecInspect {
  std::string id;
  bool running = false;
  std::optional<int> exit_code;  // null until the process has exited
  ExecProcessConfig process_config;
  bool open_stdin = false;
  bool open_stderr = false;
  bool open_stdout = false;
  std::string container_id;
  int pid = 0;
  bool can_remove = false;
  std::string detach_keys;
};

void from_json(const nlohmann::json& j, ExecCreateRequest& v);
void to_json(nlohmann::json& j, const ExecCreateRequest& v);
void from_json(const nlohmann::json& j, ExecCreateResponse& v);
void to_json(nlohmann::json& j, const ExecCreateResponse& v);
void from_json(const nlohmann::json& j, ExecStartRequest& v);
void to_json(nlohmann::json& j, const ExecStartRequest& v);
void from_json(const nlohmann::json& j, ExecProcessConfig& v);
void to_json(nlohmann::json& j, const ExecProcessConfig& v);
void from_json(const nlohmann::json& j, ExecInspect& v);
void to_json(nlohmann::json& j, const ExecInspect& v);

}  // namespace gocker::api
