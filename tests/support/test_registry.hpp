#pragma once
// Servers a registry test starts beside its gockerd, on 127.0.0.1 of the harness's own network
// namespace (so gockerd, in the same namespace, reaches them and the host never sees the ports):
// a background process killed by pid when it goes, and Debian's docker-registry (distribution 2.8)
// with a config.yml written for it. Header-only: only the registry programs compile it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"

namespace gocker::test {

// argv[0] (a full path) in the background with stdout and stderr appended to `log_path`; SIGKILLed
// and reaped when this goes.
class BackgroundServer {
 public:
  BackgroundServer(std::vector<std::string> argv, const std::string& log_path, std::string ip, int port)
      : ip_(std::move(ip)), port_(port) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (log >= 0) {
        ::dup2(log, 1);
        ::dup2(log, 2);
      }
      std::vector<char*> pointers;
      for (auto& arg : argv) pointers.push_back(arg.data());
      pointers.push_back(nullptr);
      ::execv(pointers[0], pointers.data());
      ::_exit(127);
    }
  }
  ~BackgroundServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  BackgroundServer(const BackgroundServer&) = delete;
  BackgroundServer& operator=(const BackgroundServer&) = delete;

  // Polls connect() with a deadline (10 s) until the server listens; false if it died first.
  bool wait_listening() const {
    for (int attempt = 0; attempt < 500; ++attempt) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(port_));
      ::inet_pton(AF_INET, ip_.c_str(), &address.sin_addr);
      const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
      ::close(fd);
      if (connected) return true;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return false;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  std::string ip_;
  int port_;
  pid_t pid_ = -1;
};

// docker-registry with its storage, config.yml and registry.log in `dir`.
class TestRegistry {
 public:
  // `http_extra`: more lines of config.yml's http section (tls); `extra_config`: more top-level
  // sections (auth).
  explicit TestRegistry(const std::string& dir, const std::string& ip = "127.0.0.1", int port = 5000,
                        const std::string& http_extra = "", const std::string& extra_config = "")
      : dir_(dir) {
    std::filesystem::create_directories(dir + "/storage");
    std::ofstream(dir + "/config.yml") << "version: 0.1\n"
                                          "log:\n  level: warn\n"
                                          "storage:\n  filesystem:\n    rootdirectory: "
                                       << dir << "/storage\n  delete:\n    enabled: true\n"
                                       << "http:\n  addr: " << ip << ":" << port << "\n"
                                       << http_extra << extra_config;
    server_ = std::make_unique<BackgroundServer>(
        std::vector<std::string>{"/usr/bin/docker-registry", "serve", dir + "/config.yml"}, dir + "/registry.log", ip,
        port);
  }
  bool wait_listening() const { return server_->wait_listening(); }
  std::string blob_path(const std::string& digest) const {
    const std::string hex = digest.substr(7);
    return dir_ + "/storage/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<BackgroundServer> server_;
};

}  // namespace gocker::test
