#pragma once
// A throw-away PKI made with the openssl CLI in a temp dir of its own (removed with it): a CA, a
// server certificate it signed for the given subjectAltName, a client certificate it signed, and
// a client certificate of another CA that must be refused. Header-only: only the programs that
// need certificates compile it.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "process.hpp"

namespace gocker::test {

class TestPki {
 public:
  // `server_names`: the server certificate's subjectAltName ("IP:10.99.0.1,DNS:registry").
  explicit TestPki(const std::string& server_names = "IP:127.0.0.1,DNS:localhost") {
    char pattern[] = "/tmp/gk-pki.XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      error_ = "mkdtemp for the test PKI failed";
      return;
    }
    dir_ = pattern;
    std::ofstream(dir_ + "/server.ext") << "subjectAltName=" << server_names << "\nextendedKeyUsage=serverAuth\n";
    std::ofstream(dir_ + "/client.ext") << "extendedKeyUsage=clientAuth\n";
    make_ca("ca", "gocker-test-ca");
    make_ca("rogue-ca", "gocker-test-rogue-ca");
    sign("server", "ca", "gocker-test-server", "server.ext");
    sign("", "ca", "gocker-test-client", "client.ext");
    sign("rogue", "rogue-ca", "gocker-test-rogue", "client.ext");
  }
  ~TestPki() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // Empty when every certificate was made; else what failed.
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  std::string ca() const { return dir_ + "/ca.pem"; }
  std::string server_cert() const { return dir_ + "/server-cert.pem"; }
  std::string server_key() const { return dir_ + "/server-key.pem"; }
  std::string client_cert() const { return dir_ + "/cert.pem"; }  // the names DOCKER_CERT_PATH expects
  std::string client_key() const { return dir_ + "/key.pem"; }
  std::string rogue_cert() const { return dir_ + "/rogue-cert.pem"; }
  std::string rogue_key() const { return dir_ + "/rogue-key.pem"; }

 private:
  void run(const std::vector<std::string>& argv) {
    if (!error_.empty()) return;
    auto result = run_command(argv);
    if (result.exit_code != 0) error_ = argv[0] + " " + argv[1] + ": " + result.describe();
  }
  static std::vector<std::string> with_new_key(std::vector<std::string> argv) {
    for (const char* arg : {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"}) argv.emplace_back(arg);
    return argv;
  }
  void make_ca(const std::string& name, const std::string& subject) {
    run(with_new_key({"openssl", "req", "-x509", "-days", "2", "-subj", "/CN=" + subject, "-keyout",
                      dir_ + "/" + name + "-key.pem", "-out", dir_ + "/" + name + ".pem", "-addext",
                      "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"}));
  }
  // `name` "" -> cert.pem/key.pem.
  void sign(const std::string& name, const std::string& ca_name, const std::string& subject, const std::string& ext) {
    const std::string prefix = dir_ + "/" + (name.empty() ? "" : name + "-");
    run(with_new_key({"openssl", "req", "-subj", "/CN=" + subject, "-keyout", prefix + "key.pem", "-out",
                      prefix + "request.csr"}));
    run({"openssl", "x509", "-req", "-days", "2", "-in", prefix + "request.csr", "-CA", dir_ + "/" + ca_name + ".pem",
         "-CAkey", dir_ + "/" + ca_name + "-key.pem", "-CAcreateserial", "-extfile", dir_ + "/" + ext, "-out",
         prefix + "cert.pem"});
  }

  std::string dir_;
  std::string error_;
};

}  // namespace gocker::test
