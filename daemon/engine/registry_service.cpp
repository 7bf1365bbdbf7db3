#include "engine/registry_service.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <cerrno>

#include <spdlog/spdlog.h>

namespace gocker::engine {

namespace {

class SocketProgressJob final : public Engine::ProgressJob {
 public:
  SocketProgressJob(UnixSocket socket, std::shared_ptr<ProgressWriter> writer)
      : socket_(std::move(socket)), writer_(std::move(writer)) {}

  Task<std::string> read() override {
    auto [error, count] = co_await socket_.async_read_some(
        boost::asio::buffer(buffer_), boost::asio::as_tuple(boost::asio::use_awaitable));
    if (error || count == 0) co_return std::string();
    co_return std::string(buffer_.data(), count);
  }

  Status outcome() const override { return writer_->outcome(); }

 private:
  UnixSocket socket_;
  std::shared_ptr<ProgressWriter> writer_;
  std::array<char, 16 * 1024> buffer_{};
};

}  // namespace

void ProgressWriter::status(const std::string& status, const std::string& id, const nlohmann::json& detail) {
  nlohmann::json message = {{"status", status}};
  if (!detail.is_null()) message["progressDetail"] = detail;
  if (!id.empty()) message["id"] = id;
  this->message(message);
}

void ProgressWriter::message(const nlohmann::json& message) {
  std::lock_guard lock(mutex_);
  write_line(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

void ProgressWriter::write_line(const std::string& line) {
  sent_ = true;
  if (broken_ || !fd_) return;
  size_t offset = 0;
  while (offset < line.size()) {
    ssize_t written = ::send(fd_.get(), line.data() + offset, line.size() - offset, MSG_NOSIGNAL);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      broken_ = true;  // the client went away: the job completes without an audience
      return;
    }
    offset += static_cast<size_t>(written);
  }
}

void ProgressWriter::finish(Status outcome) {
  std::lock_guard lock(mutex_);
  if (!outcome && sent_) {
    const std::string& text = outcome.error().message;
    write_line(nlohmann::json{{"errorDetail", {{"message", text}}}, {"error", text}}.dump(
                   -1, ' ', false, nlohmann::json::error_handler_t::replace) +
               "\n");
  }
  outcome_ = std::move(outcome);
  fd_.reset();  // end-of-stream for the reader, after outcome_ is set
}

bool ProgressWriter::sent_anything() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

Status ProgressWriter::outcome() const {
  std::lock_guard lock(mutex_);
  return outcome_;
}

RegistryService::RegistryService(RegistryOptions options) : options_(std::move(options)) {}

RegistryService::~RegistryService() {
  jobs_.join();
  transfers_.join();
}

RegistryEndpoint RegistryService::endpoint(const std::string& domain) const {
  RegistryEndpoint endpoint;
  endpoint.host = domain == "docker.io" ? "registry-1.docker.io" : domain;
  const std::string host_only = domain.substr(0, domain.rfind(':') == std::string::npos || domain.back() == ']'
                                                     ? domain.size()
                                                     : domain.rfind(':'));
  endpoint.insecure = registry_is_loopback(domain) ||
                      std::any_of(options_.insecure_registries.begin(), options_.insecure_registries.end(),
                                  [&](const std::string& insecure) { return insecure == domain || insecure == host_only; });
  endpoint.certs_dir = options_.config_dir + "/certs.d/" + domain;
  return endpoint;
}

Result<std::shared_ptr<Engine::ProgressJob>> RegistryService::start(boost::asio::any_io_executor executor, Job job) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return Error::from_errno(errno, "progress socketpair");
  UniqueFd reader_fd(fds[0]);
  auto writer = std::make_shared<ProgressWriter>(UniqueFd(fds[1]));
  ::shutdown(reader_fd.get(), SHUT_WR);

  boost::system::error_code error;
  UnixSocket reader(executor);
  reader.assign(boost::asio::local::stream_protocol(), reader_fd.get(), error);
  if (error) return Error::internal("progress stream: " + error.message());
  reader_fd.release();

  boost::asio::post(jobs_, [writer, job = std::move(job)] {
    Status outcome = ok();
    try {
      outcome = job(*writer);
    } catch (const std::exception& e) {  // bad_alloc, a filesystem error: never end the daemon
      outcome = Error::internal(std::string("registry job: ") + e.what());
    }
    if (!outcome) spdlog::info("registry job failed: {}", outcome.error().message);
    writer->finish(std::move(outcome));
  });
  return std::shared_ptr<Engine::ProgressJob>(std::make_shared<SocketProgressJob>(std::move(reader), writer));
}

Result<RegistryCredentials> decode_registry_auth(const std::string& header) {
  RegistryCredentials credentials;
  if (header.empty()) return credentials;
  auto decoded = base64_decode(header);
  if (!decoded) return Error::invalid("X-Registry-Auth: not base64");
  // docker sends "{}" or "e30=" when it has nothing.
  auto document = nlohmann::json::parse(*decoded, nullptr, false);
  if (!document.is_object()) return Error::invalid("X-Registry-Auth: not a JSON object");
  auto text = [&document](const char* key) {
    auto found = document.find(key);
    return found != document.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  credentials.username = text("username");
  credentials.password = text("password");
  credentials.identity_token = text("identitytoken");
  if (auto auth = text("auth"); !auth.empty() && credentials.username.empty()) {
    if (auto pair = base64_decode(auth); pair && pair->find(':') != std::string::npos) {
      credentials.username = pair->substr(0, pair->find(':'));
      credentials.password = pair->substr(pair->find(':') + 1);
    }
  }
  return credentials;
}

}  // namespace gocker::engine
