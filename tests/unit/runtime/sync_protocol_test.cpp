#include "runtime/sync_protocol.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/monitor_args.hpp"

using namespace gocker;
using namespace gocker::runtime;

TEST_CASE("sync messages keep their boundaries, carry fds, and EOF reads as nullopt") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
  UniqueFd left{pair[0]}, right{pair[1]};
  REQUIRE(sync::send_message(left.get(), sync::MessageType::kGo));
  REQUIRE(sync::send_message(left.get(), sync::MessageType::kReady, R"({"a":1})"));
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  UniqueFd read_end{pipe_fds[0]}, write_end{pipe_fds[1]};
  REQUIRE(sync::send_message(left.get(), sync::MessageType::kPtyMaster, {}, write_end.get()));

  auto first = sync::receive_message(right.get());
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK((*first)->type == sync::MessageType::kGo);
  CHECK((*first)->payload.empty());
  auto second = sync::receive_message(right.get());
  REQUIRE((second && second->has_value()));
  CHECK((*second)->type == sync::MessageType::kReady);
  CHECK((*second)->payload == R"({"a":1})");
  auto third = sync::receive_message(right.get());
  REQUIRE((third && third->has_value()));
  REQUIRE((*third)->fd.valid());
  CHECK((::fcntl((*third)->fd.get(), F_GETFD) & FD_CLOEXEC) != 0);  // received fds are CLOEXEC too
  REQUIRE(::write((*third)->fd.get(), "x", 1) == 1);  // the same pipe
  char byte = 0;
  CHECK(::read(read_end.get(), &byte, 1) == 1);
  CHECK(byte == 'x');

  left.reset();
  auto eof = sync::receive_message(right.get());
  REQUIRE(eof);
  CHECK_FALSE(eof->has_value());
}

TEST_CASE("a peer that closes with our message unread still has its last message read before EOF") {
  // The init's case: the monitor's kCgroupJoined sits unread when the init reports a mount error
  // and exits. The kernel then reports ECONNRESET once, ahead of the queued report.
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
  UniqueFd monitor{pair[0]}, init{pair[1]};
  REQUIRE(sync::send_message(monitor.get(), sync::MessageType::kCgroupJoined));
  sync::SetupError report{"mount", 2, "mount: no such file"};
  REQUIRE(sync::send_message(init.get(), sync::MessageType::kError, sync::encode_setup_error(report)));
  init.reset();

  auto last_words = sync::receive_message(monitor.get());
  REQUIRE(last_words);
  REQUIRE(last_words->has_value());
  CHECK((*last_words)->type == sync::MessageType::kError);
  CHECK(sync::decode_setup_error((*last_words)->payload).message == "mount: no such file");
  auto eof = sync::receive_message(monitor.get());
  REQUIRE(eof);
  CHECK_FALSE(eof->has_value());
}

TEST_CASE("setup errors travel as {step, errno, message} and rebuild an Error") {
  sync::SetupError sent{"mount", ENOENT, "mount: mount \"/x\" on \"/y\": No such file or directory"};
  sync::SetupError received = sync::decode_setup_error(sync::encode_setup_error(sent));
  CHECK(received.step == "mount");
  CHECK(received.sys_errno == ENOENT);
  CHECK(received.message == sent.message);
  Error error = sync::error_from_setup_error(received);
  CHECK(error.sys_errno == ENOENT);
  CHECK(error.kind == ErrorKind::NotFound);
  CHECK(error.message == sent.message);
  CHECK(sync::decode_setup_error("junk").message.find("malformed") != std::string::npos);
}

TEST_CASE("monitor argv round trip") {
  MonitorOptions options;
  options.monitor_binary = "/usr/libexec/gocker/gocker-monitor";
  options.container_id = "abc";
  options.bundle_dir = "/b";
  options.state_dir = "/s";
  options.log_path = "/s/log";
  options.attach_socket = "/s/a.sock";
  std::vector<std::string> argv = build_monitor_argv(options);
  CHECK(argv.size() == 11);  // the daemon's monitors: no standalone flags
  CHECK(argv[0] == "gocker-monitor");
  auto parsed = parse_monitor_argv(argv);
  REQUIRE(parsed);
  CHECK(parsed->container_id == "abc");
  CHECK(parsed->bundle_dir == "/b");
  CHECK(parsed->state_dir == "/s");
  CHECK(parsed->log_path == "/s/log");
  CHECK(parsed->attach_socket == "/s/a.sock");
  CHECK_FALSE(parse_monitor_argv({"gocker-monitor", "--id"}));
  CHECK_FALSE(parse_monitor_argv({"gocker-monitor", "--bogus", "x"}));
  CHECK_FALSE(parse_monitor_argv({"gocker-monitor", "--id", "x"}));
}

TEST_CASE("a standby monitor's arguments travel as one NUL-separated message, empty ones kept") {
  const std::vector<std::string> argv{"gocker-monitor", "--id", "abc", "--log", "", "--attach", "/s/a b.sock"};
  const std::string payload = encode_monitor_arguments(argv);
  CHECK(payload.size() == 52);
  CHECK(decode_monitor_arguments(payload) == argv);
  CHECK(decode_monitor_arguments("") == std::vector<std::string>{});
}

TEST_CASE("monitor argv round trip: standalone mode (gocker-runc)") {
  MonitorOptions options;
  options.container_id = "c1";
  options.bundle_dir = "/b";
  options.state_dir = "/r/c1";
  options.control_socket = "/r/c1/control.sock";
  options.console_socket = "/tmp/console.sock";
  options.inherit_stdio = true;
  options.preserved_fds = 2;
  auto parsed = parse_monitor_argv(build_monitor_argv(options));
  REQUIRE(parsed);
  CHECK(parsed->control_socket == "/r/c1/control.sock");
  CHECK(parsed->console_socket == "/tmp/console.sock");
  CHECK(parsed->inherit_stdio);
  CHECK(parsed->preserved_fds == 2);
  CHECK_FALSE(parse_monitor_argv({"gocker-monitor", "--id", "x", "--bundle", "/b", "--state-dir", "/s", "--preserve-fds", "-1"}));
}
