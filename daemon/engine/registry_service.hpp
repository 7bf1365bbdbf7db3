#pragma once
// Where registry work runs, and how its progress reaches the client.
//
// Threads: pulls and pushes talk to registries with blocking sockets (engine/registry_http.hpp),
// so they never run on the daemon's io threads. Two fixed pools do it:
//   jobs       kJobThreads threads: one pull or push each; further jobs wait in the queue
//   transfers  kTransferThreads threads: the layer downloads of all pulls (Docker's
//              max-concurrent-downloads); a job waits for its transfers, never the other way
//              round, so the two pools cannot deadlock each other
//
// Progress: a job writes Docker's JSON progress messages (one JSON object per line, as dockerd
// streams them) into one end of a socketpair; the server's coroutine reads the other end with
// Asio and forwards the bytes to the client. The job stores its outcome before it closes its end,
// so the reader that sees end-of-stream can ask for it. A client that goes away closes the
// reader's end; the job's writes then fail quietly (MSG_NOSIGNAL) and the job still completes.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "engine/engine.hpp"
#include "engine/registry_http.hpp"

namespace gocker::engine {

// The writing side of a job's progress stream. Thread-safe: transfer threads report too.
class ProgressWriter {
 public:
  explicit ProgressWriter(UniqueFd fd) : fd_(std::move(fd)) {}
  // {"status": status, "id": id (when not empty), "progressDetail": detail (when not null)}
  void status(const std::string& status, const std::string& id = "", const nlohmann::json& detail = nullptr);
  // Any message; a newline is added.
  void message(const nlohmann::json& message);
  // The job's last words: an error line ({"errorDetail": {"message"}, "error"}) when anything was
  // sent before, then the outcome for the reader, then the stream is closed.
  void finish(Status outcome);
  bool sent_anything() const;

  // The outcome, set by finish() (for the reader, after end-of-stream).
  Status outcome() const;

 private:
  void write_line(const std::string& line);  // caller holds mutex_
  mutable std::mutex mutex_;
  UniqueFd fd_;
  bool sent_ = false;
  bool broken_ = false;
  Status outcome_ = ok();
};

struct RegistryOptions {
  std::vector<std::string> insecure_registries;  // "host:port" (or "host") served over plain HTTP
  std::string config_dir;                        // holds certs.d/<host:port>/
};

class RegistryService {
 public:
  static constexpr int kJobThreads = 2;
  static constexpr int kTransferThreads = 3;

  explicit RegistryService(RegistryOptions options);
  ~RegistryService();  // waits for running jobs

  // How to reach a registry named in a reference ("docker.io" is registry-1.docker.io).
  RegistryEndpoint endpoint(const std::string& domain) const;

  // Starts `job` on the job pool with a progress stream whose reading end is returned for the
  // io thread (executor). The job receives the writer and must not call finish(); the service does,
  // with what the job returns.
  using Job = std::function<Status(ProgressWriter& progress)>;
  Result<std::shared_ptr<Engine::ProgressJob>> start(boost::asio::any_io_executor executor, Job job);

  boost::asio::thread_pool& transfers() { return transfers_; }

 private:
  RegistryOptions options_;
  boost::asio::thread_pool jobs_{kJobThreads};
  boost::asio::thread_pool transfers_{kTransferThreads};
};

// The credentials in an X-Registry-Auth header value (base64url JSON of Docker's AuthConfig:
// username, password, identitytoken; serveraddress is ignored). Empty input: no credentials.
Result<RegistryCredentials> decode_registry_auth(const std::string& header);

}  // namespace gocker::engine
