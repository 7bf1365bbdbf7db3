// Networking against a real gockerd: networks and IPAM, the default bridge and user-defined
// networks, name resolution, isolation, published ports (kernel NAT), --network none/host, and
// that nothing is left in the kernel after rm / network rm. The harness runs this program (and
// its gockerd) in a network namespace of its own: every bridge, veth, nft rule and sysctl the
// daemon makes lives there, and the test reaches containers and published ports from it.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <map>
#include <set>
#include <thread>

#include "tests/support/harness.hpp"

using namespace gocker::test;
using nlohmann::json;

namespace {

bool starts_with_text(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

Daemon& shared_daemon() {
  static Daemon daemon;
  return daemon;
}

#define REQUIRE_DAEMON(daemon) REQUIRE_MESSAGE((daemon).started(), (daemon).start_error())

json inspect(const Daemon& daemon, const std::vector<std::string>& command) {
  const auto result = daemon.gockerctl(command);
  INFO(result.describe());
  REQUIRE(result.exit_code == 0);
  json parsed = json::parse(result.out, nullptr, false);
  REQUIRE(parsed.is_array());
  REQUIRE(parsed.size() == 1);
  return parsed[0];
}

std::string run_detached(const Daemon& daemon, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"run", "-d"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = daemon.gockerctl(argv);
  INFO("run -d: " << result.describe());
  REQUIRE(result.exit_code == 0);
  return trim(result.out);
}

// A web server in a container serving `body` at / on `port`.
std::vector<std::string> httpd_command(const std::string& body, int port) {
  return {"busybox", "sh", "-c",
          "mkdir -p /w && echo " + body + " > /w/index.html && exec httpd -f -p " + std::to_string(port) + " -h /w"};
}

// GET / from the test's own namespace; "" when nothing answers within the timeout. Retries while
// the connection is refused: httpd starts listening a moment after the container is running.
std::string http_get(const std::string& address, int port, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &target.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
      ::close(fd);
      std::this_thread::sleep_for(50ms);
      continue;
    }
    const std::string request = "GET / HTTP/1.0\r\nHost: x\r\n\r\n";
    (void)::write(fd, request.data(), request.size());
    std::string response;
    char buffer[4096];
    for (;;) {
      pollfd ready{fd, POLLIN, 0};
      if (::poll(&ready, 1, detail::remaining_ms(deadline)) <= 0) break;
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      response.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    const size_t body = response.find("\r\n\r\n");
    return body == std::string::npos ? response : trim(response.substr(body + 4));
  }
  return "";
}

// One datagram to address:port, the reply or "" after the timeout (retried: the server may not
// be bound yet).
std::string udp_exchange(const std::string& address, int port, const std::string& message) {
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &target.sin_addr);
    (void)::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&target), sizeof target);
    pollfd ready{fd, POLLIN, 0};
    std::string reply;
    if (::poll(&ready, 1, 300) == 1) {
      char buffer[1500];
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n > 0) reply.assign(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    if (!reply.empty()) return reply;
  }
  return "";
}

std::set<std::string> links_here() {
  const auto result = run_command({"ip", "-o", "link", "show"});
  std::set<std::string> names;
  for (const auto& line : split_lines(result.out)) {
    std::smatch match;
    if (std::regex_search(line, match, std::regex("^[0-9]+: ([^:@]+)"))) names.insert(match[1]);
  }
  return names;
}

std::string nft_table() { return run_command({"nft", "list", "table", "ip", "gocker"}).out; }

bool has_link_starting(const std::string& prefix) {
  for (const auto& link : links_here())
    if (starts_with_text(link, prefix)) return true;
  return false;
}

// The host end of an ended container's veth is deleted by a worker, moments after the exit.
bool link_gone_within(const std::string& prefix, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (has_link_starting(prefix)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);  // the test's own wait, not the product's
  }
  return true;
}

}  // namespace

TEST_CASE("network ls/create/inspect/rm, and overlapping subnets refused") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  auto listed = daemon.gockerctl({"network", "ls"});
  REQUIRE(listed.exit_code == 0);
  CHECK(contains(listed.out, "NETWORK ID"));
  for (const char* name : {"bridge", "host", "none"}) CHECK(contains(listed.out, name));

  auto created = daemon.gockerctl({"network", "create", "--subnet", "10.77.0.0/24", "--gateway", "10.77.0.254", "lsnet"});
  INFO(created.describe());
  REQUIRE(created.exit_code == 0);
  const std::string id = trim(created.out);
  CHECK(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  json network = inspect(daemon, {"network", "inspect", "lsnet"});
  CHECK(network["Id"] == id);
  CHECK(network["Driver"] == "bridge");
  CHECK(network["IPAM"]["Config"][0]["Subnet"] == "10.77.0.0/24");
  CHECK(network["IPAM"]["Config"][0]["Gateway"] == "10.77.0.254");
  const std::string bridge = "br-" + id.substr(0, 12);
  CHECK(links_here().count(bridge) == 1);

  auto overlapping = daemon.gockerctl({"network", "create", "--subnet", "10.77.0.128/25", "other"});
  CHECK(overlapping.exit_code != 0);
  CHECK(contains(overlapping.err, "overlaps"));
  auto duplicate = daemon.gockerctl({"network", "create", "lsnet"});
  CHECK(duplicate.exit_code != 0);
  CHECK(contains(duplicate.err, "already exists"));
  auto predefined = daemon.gockerctl({"network", "rm", "bridge"});
  CHECK(predefined.exit_code != 0);

  // A container on it: its address comes from the subnet (the gateway is skipped), and the
  // network cannot go while the container exists.
  const std::string ctr = run_detached(daemon, {"--network", "lsnet", "busybox", "sleep", "300"});
  json container = inspect(daemon, {"inspect", ctr});
  const json endpoint = container["NetworkSettings"]["Networks"]["lsnet"];
  CHECK(endpoint["IPAddress"] == "10.77.0.1");
  CHECK(endpoint["Gateway"] == "10.77.0.254");
  CHECK(endpoint["IPPrefixLen"] == 24);
  CHECK(endpoint["MacAddress"] == "02:42:0a:4d:00:01");
  CHECK(daemon.gockerctl({"network", "rm", "lsnet"}).exit_code != 0);
  auto in_ns = daemon.gockerctl({"exec", ctr, "ip", "-o", "-4", "addr", "show", "eth0"});
  CHECK(contains(in_ns.out, "10.77.0.1/24"));
  auto route = daemon.gockerctl({"exec", ctr, "ip", "route"});
  CHECK(contains(route.out, "default via 10.77.0.254"));

  REQUIRE(daemon.gockerctl({"rm", "-f", ctr}).exit_code == 0);
  CHECK(link_gone_within("veth" + ctr.substr(0, 7)));
  auto removed = daemon.gockerctl({"network", "rm", "lsnet"});
  INFO(removed.describe());
  CHECK(removed.exit_code == 0);
  CHECK(links_here().count(bridge) == 0);
  CHECK(daemon.gockerctl({"network", "inspect", "lsnet"}).exit_code != 0);
}

TEST_CASE("the default bridge: containers reach each other and the test reaches them") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string web = run_detached(daemon, httpd_command("hello-bridge", 80));
  json container = inspect(daemon, {"inspect", web});
  const std::string address = container["NetworkSettings"]["IPAddress"];
  INFO("address " << address);
  REQUIRE(starts_with_text(address, "172.17.0."));
  CHECK(container["NetworkSettings"]["Gateway"] == "172.17.0.1");
  CHECK(container["NetworkSettings"]["Networks"]["bridge"]["IPAddress"] == address);
  CHECK(http_get(address, 80) == "hello-bridge");
  auto fetched = daemon.gockerctl({"run", "--rm", "busybox", "wget", "-qO-", "http://" + address + "/"});
  INFO(fetched.describe());
  CHECK(trim(fetched.out) == "hello-bridge");
  CHECK(daemon.gockerctl({"rm", "-f", web}).exit_code == 0);
}

TEST_CASE("a restarted container keeps its new veth while the old one is deleted; rm takes it") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string web = run_detached(daemon, httpd_command("hello-again", 80));
  const std::string veth = "veth" + web.substr(0, 7);
  CHECK(has_link_starting(veth));
  for (int round = 0; round < 3; ++round) {
    auto restarted = daemon.gockerctl({"restart", "-t", "1", web});
    INFO(restarted.describe());
    REQUIRE(restarted.exit_code == 0);
  }
  // Long enough for the worker to have deleted the veths of the earlier runs (by index, so the
  // current one, which has the same name, stays).
  std::this_thread::sleep_for(500ms);
  CHECK(has_link_starting(veth));
  const std::string address = inspect(daemon, {"inspect", web})["NetworkSettings"]["IPAddress"];
  CHECK(http_get(address, 80) == "hello-again");
  REQUIRE(daemon.gockerctl({"rm", "-f", web}).exit_code == 0);
  CHECK(link_gone_within(veth));
}

TEST_CASE("user networks: name resolution inside, no traffic between two of them") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  REQUIRE(daemon.gockerctl({"network", "create", "appnet"}).exit_code == 0);
  REQUIRE(daemon.gockerctl({"network", "create", "othernet"}).exit_code == 0);
  const std::string db = run_detached(daemon, {"--name", "db", "--network", "appnet", "--network-alias", "database",
                                              "busybox", "sh", "-c",
                                              "mkdir /w; echo pong > /w/index.html; exec httpd -f -p 80 -h /w"});
  const std::string db_address = inspect(daemon, {"inspect", db})["NetworkSettings"]["Networks"]["appnet"]["IPAddress"];
  REQUIRE(http_get(db_address, 80) == "pong");
  // By container name, by --network-alias, and by name with a port in the URL. (Debian's static
  // busybox wget has no -T: given one it dies with SIGSEGV before any request, so none is passed
  // where the server answers, and `timeout` bounds the tries that must fail.)
  for (const char* url : {"http://db/", "http://database/", "http://db:80/"}) {
    auto fetched = daemon.gockerctl({"run", "--rm", "--network", "appnet", "busybox", "wget", "-qO-", url});
    INFO(url << ": " << fetched.describe());
    CHECK(fetched.exit_code == 0);
    CHECK(trim(fetched.out) == "pong");
  }
  // No names across networks (db is not in othernet's hosts files), and no traffic either: the
  // forward chain drops packets between two bridges, so the connection times out.
  auto unnamed = daemon.gockerctl({"run", "--rm", "--network", "othernet", "busybox", "grep", "-w", "db", "/etc/hosts"});
  CHECK(unnamed.exit_code == 1);
  // wget must not be PID 1, which ignores timeout's SIGTERM: a command after it keeps sh from
  // exec'ing it.
  auto isolated = daemon.gockerctl({"run", "--rm", "--network", "othernet", "busybox", "sh", "-c",
                                    "timeout 3 wget -qO- http://" + db_address + "/; echo rc=$?"});
  INFO(isolated.describe());
  CHECK(trim(isolated.out) == "rc=143");  // killed by timeout's SIGTERM: no answer, not a refusal
  CHECK(daemon.gockerctl({"rm", "-f", db}).exit_code == 0);
  CHECK(daemon.gockerctl({"network", "rm", "appnet", "othernet"}).exit_code == 0);
}

TEST_CASE("published ports: 127.0.0.1 and the bridge address, conflicts refused, rules removed") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string web = run_detached(daemon, {"-p", "18080:80", "-p", "18090", "--name", "pub", "busybox", "sh", "-c",
                                               "mkdir -p /w && echo published > /w/index.html && exec httpd -f -p 80 -h /w"});
  CHECK(http_get("127.0.0.1", 18080) == "published");
  CHECK(http_get("172.17.0.1", 18080) == "published");
  json container = inspect(daemon, {"inspect", web});
  CHECK(container["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"] == "18080");
  const std::string random_port = container["NetworkSettings"]["Ports"]["18090/tcp"][0]["HostPort"];
  CHECK(!random_port.empty());
  auto ports = daemon.gockerctl({"port", "pub"});
  CHECK(contains(ports.out, "80/tcp -> 0.0.0.0:18080"));
  auto one = daemon.gockerctl({"port", "pub", "80"});
  CHECK(trim(one.out) == "0.0.0.0:18080");
  auto ps = daemon.gockerctl({"ps"});
  CHECK(contains(ps.out, "18080"));

  auto conflicting = daemon.gockerctl({"run", "-d", "-p", "18080:80", "busybox", "sleep", "60"});
  INFO(conflicting.describe());
  CHECK(conflicting.exit_code != 0);
  CHECK(contains(conflicting.err, "port is already allocated"));

  CHECK(contains(nft_table(), "dport 18080"));
  REQUIRE(daemon.gockerctl({"rm", "-f", web}).exit_code == 0);
  CHECK(!contains(nft_table(), "dport 18080"));
  CHECK(http_get("127.0.0.1", 18080, 500ms) == "");
  // The port is free again.
  const std::string again = run_detached(daemon, {"-p", "18080:80", "busybox", "sleep", "60"});
  CHECK(daemon.gockerctl({"rm", "-f", again}).exit_code == 0);
}

TEST_CASE("published port forms: ranges, an address to bind, -P for the image's exposed ports") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string serve_three =
      "mkdir -p /w && echo ranged > /w/index.html && httpd -p 80 -h /w && httpd -p 81 -h /w && exec httpd -f -p 82 -h /w";
  const std::string ranged = run_detached(daemon, {"-p", "18100-18102:80-82", "busybox", "sh", "-c", serve_three});
  for (int port : {18100, 18101, 18102}) CHECK_MESSAGE(http_get("127.0.0.1", port) == "ranged", port);
  json ranged_ports = inspect(daemon, {"inspect", ranged})["NetworkSettings"]["Ports"];
  CHECK(ranged_ports["81/tcp"][0]["HostPort"] == "18101");

  // ip:hostPort:containerPort answers on that address only.
  const std::string bound = run_detached(daemon, {"-p", "127.0.0.1:18110:80", "busybox", "sh", "-c", serve_three});
  CHECK(http_get("127.0.0.1", 18110) == "ranged");
  CHECK(http_get("172.17.0.1", 18110, 500ms) == "");
  CHECK(inspect(daemon, {"inspect", bound})["NetworkSettings"]["Ports"]["80/tcp"][0]["HostIp"] == "127.0.0.1");

  // -P publishes what the image exposes (an image committed with EXPOSE, and --expose) to free ports.
  REQUIRE(daemon.gockerctl({"run", "--name", "exposer", "busybox", "true"}).exit_code == 0);
  auto committed = daemon.gockerctl({"commit", "-c", "EXPOSE 80", "exposer", "exposing:1"});
  REQUIRE_MESSAGE(committed.exit_code == 0, committed.describe());
  const std::string all = run_detached(daemon, {"-P", "--expose", "81", "exposing:1", "sh", "-c", serve_three});
  json all_ports = inspect(daemon, {"inspect", all})["NetworkSettings"]["Ports"];
  for (const char* port : {"80/tcp", "81/tcp"}) {
    INFO(port << " in " << all_ports.dump());
    REQUIRE(all_ports[port].is_array());
    std::string host_port = all_ports[port][0]["HostPort"];
    CHECK(http_get("127.0.0.1", std::stoi(host_port)) == "ranged");
  }
  CHECK(all_ports["82/tcp"].is_null());  // neither exposed nor published
  for (const std::string& id : {ranged, bound, all}) CHECK(daemon.gockerctl({"rm", "-f", id}).exit_code == 0);
  CHECK(daemon.gockerctl({"rm", "exposer"}).exit_code == 0);
  CHECK(daemon.gockerctl({"rmi", "exposing:1"}).exit_code == 0);
}

#ifdef GOCKER_UDP_ECHO_BIN
TEST_CASE("a published UDP port answers on 127.0.0.1 and on the bridge address") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  auto created = daemon.gockerctl({"create", "-p", "15353:5353/udp", "busybox", "/udp_echo", "5353"});
  INFO(created.describe());
  REQUIRE(created.exit_code == 0);
  const std::string id = trim(created.out);
  auto copied = daemon.gockerctl({"cp", GOCKER_UDP_ECHO_BIN, id + ":/udp_echo"});
  INFO(copied.describe());
  REQUIRE(copied.exit_code == 0);
  REQUIRE(daemon.gockerctl({"start", id}).exit_code == 0);
  CHECK(udp_exchange("127.0.0.1", 15353, "ping") == "echo:ping");
  CHECK(udp_exchange("172.17.0.1", 15353, "pong") == "echo:pong");
  CHECK(trim(daemon.gockerctl({"port", id, "5353/udp"}).out) == "0.0.0.0:15353");
  CHECK(daemon.gockerctl({"rm", "-f", id}).exit_code == 0);
}
#endif

TEST_CASE("--network none has only lo; --network host is the daemon's namespace") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  auto none = daemon.gockerctl({"run", "--rm", "--network", "none", "busybox", "ip", "-o", "link"});
  INFO(none.describe());
  REQUIRE(none.exit_code == 0);
  const auto lines = split_lines(trim(none.out));
  REQUIRE(lines.size() == 1);
  CHECK(contains(lines[0], "lo:"));
  CHECK(contains(lines[0], "UP"));

  auto host = daemon.gockerctl({"run", "--rm", "--network", "host", "busybox", "sh", "-c", "hostname; ip -o link"});
  INFO(host.describe());
  REQUIRE(host.exit_code == 0);
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  CHECK(split_lines(host.out).at(0) == name);
  CHECK(contains(host.out, "gocker0"));
}

TEST_CASE("--ip, --hostname, --dns, --dns-search and --add-host shape the container's files") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  REQUIRE(daemon.gockerctl({"network", "create", "--subnet", "10.88.0.0/24", "fixed"}).exit_code == 0);
  auto run = daemon.gockerctl({"run", "--rm", "--network", "fixed", "--ip", "10.88.0.42", "--hostname", "box",
                               "--dns", "10.0.0.53", "--dns-search", "example.test", "--add-host", "db.local:10.1.2.3",
                               "busybox", "sh", "-c", "cat /etc/resolv.conf /etc/hosts; hostname; ip -o -4 addr show eth0"});
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  CHECK(contains(run.out, "nameserver 10.0.0.53"));
  CHECK(contains(run.out, "search example.test"));
  CHECK(contains(run.out, "10.1.2.3\tdb.local"));
  CHECK(contains(run.out, "10.88.0.42\tbox"));
  CHECK(contains(run.out, "10.88.0.42/24"));
  auto taken = daemon.gockerctl({"create", "--network", "fixed", "--ip", "10.88.0.42", "busybox", "true"});
  const std::string holder = trim(taken.out);
  REQUIRE(taken.exit_code == 0);
  auto second = daemon.gockerctl({"create", "--network", "fixed", "--ip", "10.88.0.42", "busybox", "true"});
  CHECK(second.exit_code != 0);
  CHECK(contains(second.err, "in use"));
  CHECK(daemon.gockerctl({"rm", holder}).exit_code == 0);
  CHECK(daemon.gockerctl({"network", "rm", "fixed"}).exit_code == 0);
}

TEST_CASE("50 concurrent creates get 50 distinct addresses, kept across a daemon restart") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  std::vector<std::future<CommandResult>> creates;
  for (int i = 0; i < 50; ++i)
    creates.push_back(std::async(std::launch::async, [&daemon] { return daemon.gockerctl({"create", "busybox", "true"}); }));
  std::vector<std::string> ids;
  for (auto& create : creates) {
    auto result = create.get();
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    ids.push_back(trim(result.out));
  }
  auto addresses = [&] {
    std::map<std::string, std::string> by_id;
    std::vector<std::string> argv = {"inspect"};
    argv.insert(argv.end(), ids.begin(), ids.end());
    auto result = daemon.gockerctl(argv);
    json all = json::parse(result.out, nullptr, false);
    if (all.is_array())
      for (const auto& c : all) by_id[c["Id"]] = c["NetworkSettings"]["Networks"]["bridge"]["IPAddress"];
    return by_id;
  };
  auto before = addresses();
  std::set<std::string> distinct;
  for (const auto& [id, address] : before) distinct.insert(address);
  CHECK(before.size() == 50);
  CHECK(distinct.size() == 50);
  CHECK(distinct.count("") == 0);

  daemon.stop();
  REQUIRE(daemon.start());
  CHECK(addresses() == before);
  // A create after the restart gets none of them.
  auto fresh = daemon.gockerctl({"create", "busybox", "true"});
  REQUIRE(fresh.exit_code == 0);
  const std::string fresh_address = inspect(daemon, {"inspect", trim(fresh.out)})["NetworkSettings"]["IPAddress"];
  CHECK(distinct.count(fresh_address) == 0);
  ids.push_back(trim(fresh.out));
  std::vector<std::string> argv = {"rm"};
  argv.insert(argv.end(), ids.begin(), ids.end());
  CHECK(daemon.gockerctl(argv).exit_code == 0);
}

TEST_CASE("a published port keeps working while the daemon is down and after it is back") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string web = run_detached(daemon, {"-p", "18181:80", "busybox", "sh", "-c",
                                               "mkdir -p /w && echo survives > /w/index.html && exec httpd -f -p 80 -h /w"});
  REQUIRE(http_get("127.0.0.1", 18181) == "survives");
  daemon.kill9();
  CHECK(http_get("127.0.0.1", 18181) == "survives");
  REQUIRE(daemon.start());
  CHECK(http_get("127.0.0.1", 18181) == "survives");
  CHECK(trim(daemon.gockerctl({"port", web, "80"}).out) == "0.0.0.0:18181");
  REQUIRE(daemon.gockerctl({"rm", "-f", web}).exit_code == 0);
  CHECK(!contains(nft_table(), "18181"));
}

TEST_CASE("network connect/disconnect of a running container: its interface, address and names come and go") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  REQUIRE(daemon.gockerctl({"network", "create", "--subnet", "10.66.0.0/24", "joinnet"}).exit_code == 0);
  REQUIRE(daemon.gockerctl({"network", "create", "--subnet", "10.67.0.0/24", "joinnet2"}).exit_code == 0);
  const std::string joinnet_id = inspect(daemon, {"network", "inspect", "joinnet"})["Id"];
  const std::string server = run_detached(daemon, {"--name", "joinsrv", "--network", "joinnet", "busybox", "sh", "-c",
                                                  "mkdir /w; echo joined > /w/index.html; exec httpd -f -p 80 -h /w"});
  const std::string server_address = inspect(daemon, {"inspect", server})["NetworkSettings"]["Networks"]["joinnet"]["IPAddress"];
  REQUIRE(http_get(server_address, 80) == "joined");
  const std::string client = run_detached(daemon, {"--name", "joiner", "busybox", "sleep", "300"});
  auto exec = [&](const std::string& container, const std::string& script) {
    return daemon.gockerctl({"exec", container, "sh", "-c", script});
  };

  // On the default bridge only: no name for the server, and no way through to its network.
  CHECK(exec(client, "grep -w joinsrv /etc/hosts").exit_code == 1);
  CHECK(exec(client, "timeout 3 wget -qO- http://" + server_address + "/").exit_code == 143);

  auto connected = daemon.gockerctl({"network", "connect", "--alias", "joinalias", "joinnet", "joiner"});
  INFO(connected.describe());
  REQUIRE(connected.exit_code == 0);
  auto addresses = exec(client, "ip -o -4 addr show eth1");
  CHECK(contains(addresses.out, "10.66.0."));
  auto by_name = exec(client, "wget -qO- http://joinsrv/");
  INFO(by_name.describe());
  CHECK(trim(by_name.out) == "joined");
  // The server's hosts file learnt the newcomer's name and alias (rewritten in place).
  CHECK(exec(server, "grep -w joiner /etc/hosts | grep -w joinalias").exit_code == 0);
  json networks = inspect(daemon, {"inspect", client})["NetworkSettings"]["Networks"];
  CHECK(networks.contains("bridge"));
  CHECK(starts_with_text(networks["joinnet"].value("IPAddress", ""), "10.66.0."));
  CHECK(inspect(daemon, {"network", "inspect", "joinnet"})["Containers"].contains(client));
  auto twice = daemon.gockerctl({"network", "connect", "joinnet", "joiner"});
  CHECK(twice.exit_code != 0);

  // A second network is eth2; after leaving the first, joining it again takes the free eth1.
  REQUIRE(daemon.gockerctl({"network", "connect", "joinnet2", "joiner"}).exit_code == 0);
  CHECK(contains(exec(client, "ip -o -4 addr show eth2").out, "10.67.0."));
  REQUIRE(daemon.gockerctl({"network", "disconnect", "joinnet", "joiner"}).exit_code == 0);
  CHECK(exec(client, "ip link show eth1").exit_code != 0);
  CHECK(exec(client, "grep -w joinsrv /etc/hosts").exit_code == 1);
  CHECK(exec(server, "grep -w joiner /etc/hosts").exit_code == 1);
  CHECK(exec(client, "timeout 3 wget -qO- http://" + server_address + "/").exit_code == 143);
  for (const auto& link : links_here()) CHECK_MESSAGE(link != "veth" + client.substr(0, 7) + joinnet_id.substr(0, 4), link);
  auto rejoined = daemon.gockerctl({"network", "connect", "joinnet", "joiner"});
  INFO(rejoined.describe());
  REQUIRE(rejoined.exit_code == 0);
  CHECK(contains(exec(client, "ip -o -4 addr show eth1").out, "10.66.0."));
  CHECK(trim(exec(client, "wget -qO- http://joinsrv/").out) == "joined");

  auto not_connected = daemon.gockerctl({"network", "disconnect", "joinnet2", server});
  CHECK(not_connected.exit_code != 0);
  CHECK(contains(not_connected.err, "is not connected"));

  // A created container connected before its start gets the interface when it starts.
  auto later = daemon.gockerctl({"create", "--name", "later", "busybox", "sleep", "300"});
  REQUIRE(later.exit_code == 0);
  REQUIRE(daemon.gockerctl({"network", "connect", "joinnet", "later"}).exit_code == 0);
  REQUIRE(daemon.gockerctl({"start", "later"}).exit_code == 0);
  CHECK(contains(exec("later", "ip -o -4 addr").out, "10.66.0."));
  CHECK(trim(exec("later", "wget -qO- http://joinsrv/").out) == "joined");

  CHECK(daemon.gockerctl({"rm", "-f", server, client, "later"}).exit_code == 0);
  CHECK(daemon.gockerctl({"network", "rm", "joinnet", "joinnet2"}).exit_code == 0);
}

TEST_CASE("docker CLI: network create/ls/inspect/connect/disconnect/rm, run -p/--network, port") {
  if (docker_cli_path().empty()) {
    MESSAGE("SKIP: no docker CLI");
    return;
  }
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  auto created = daemon.docker({"network", "create", "--subnet", "10.99.0.0/24", "dockernet"});
  INFO(created.describe());
  REQUIRE(created.exit_code == 0);
  auto listed = daemon.docker({"network", "ls"});
  CHECK(contains(listed.out, "dockernet"));
  CHECK(trim(daemon.docker({"network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", "dockernet"}).out) ==
        "10.99.0.0/24");
  auto started = daemon.docker({"run", "-d", "--name", "dweb", "--network", "dockernet", "-p", "18282:80", "busybox", "sh",
                                "-c", "mkdir -p /w && echo docker-cli > /w/index.html && exec httpd -f -p 80 -h /w"});
  INFO(started.describe());
  REQUIRE(started.exit_code == 0);
  const std::string id = trim(started.out);
  CHECK(http_get("127.0.0.1", 18282) == "docker-cli");
  auto port = daemon.docker({"port", id, "80"});
  CHECK(contains(port.out, "0.0.0.0:18282"));
  auto address = daemon.docker({"inspect", "-f", "{{.NetworkSettings.Networks.dockernet.IPAddress}}", id});
  CHECK(trim(address.out) == "10.99.0.2");  // .1 is the gateway
  auto fetched = daemon.docker({"run", "--rm", "--network", "dockernet", "busybox", "wget", "-qO-", "http://dweb/"});
  INFO(fetched.describe());
  CHECK(trim(fetched.out) == "docker-cli");

  auto client = daemon.docker({"run", "-d", "--name", "dclient", "busybox", "sleep", "300"});
  REQUIRE(client.exit_code == 0);
  auto connected = daemon.docker({"network", "connect", "--ip", "10.99.0.77", "dockernet", "dclient"});
  INFO(connected.describe());
  REQUIRE(connected.exit_code == 0);
  CHECK(trim(daemon.docker({"exec", "dclient", "wget", "-qO-", "http://dweb/"}).out) == "docker-cli");
  CHECK(trim(daemon.docker({"inspect", "-f", "{{.NetworkSettings.Networks.dockernet.IPAddress}}", "dclient"}).out) ==
        "10.99.0.77");
  auto disconnected = daemon.docker({"network", "disconnect", "dockernet", "dclient"});
  INFO(disconnected.describe());
  CHECK(disconnected.exit_code == 0);
  CHECK(daemon.docker({"exec", "dclient", "grep", "-w", "dweb", "/etc/hosts"}).exit_code == 1);

  auto none = daemon.docker({"run", "--rm", "--network", "none", "busybox", "ip", "-o", "link"});
  CHECK(split_lines(trim(none.out)).size() == 1);
  auto in_use = daemon.docker({"network", "rm", "dockernet"});
  CHECK(in_use.exit_code != 0);
  CHECK(daemon.docker({"rm", "-f", id, "dclient"}).exit_code == 0);
  CHECK(daemon.docker({"network", "rm", "dockernet"}).exit_code == 0);
}

TEST_CASE("gockerd --cleanup-network removes the bridges, veths and the nftables table") {
  Daemon& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  REQUIRE(daemon.gockerctl({"network", "create", "cleanme"}).exit_code == 0);
  const std::string web = run_detached(daemon, {"-p", "18383:80", "busybox", "sleep", "300"});
  CHECK(links_here().count("gocker0") == 1);
  CHECK(contains(nft_table(), "18383"));
  REQUIRE(daemon.gockerctl({"rm", "-f", web}).exit_code == 0);
  daemon.stop();
  auto cleaned = run_command({gockerd_binary(), "--cleanup-network", "--root", daemon.root(), "-H", daemon.host(),
                              "--cgroup-parent", daemon.cgroup_parent(), "--image-dir", image_dir(), "--monitor-path",
                              monitor_binary()});
  INFO(cleaned.describe());
  CHECK(cleaned.exit_code == 0);
  for (const auto& link : links_here()) {
    CHECK_MESSAGE(link != "gocker0", link);
    CHECK_MESSAGE(!starts_with_text(link, "br-"), link);
    CHECK_MESSAGE(!starts_with_text(link, "veth"), link);
  }
  CHECK(run_command({"nft", "list", "table", "ip", "gocker"}).exit_code != 0);
  // The daemon comes back with its networks intact.
  REQUIRE(daemon.start());
  CHECK(daemon.gockerctl({"network", "inspect", "cleanme"}).exit_code == 0);
  CHECK(links_here().count("gocker0") == 1);
  CHECK(daemon.gockerctl({"network", "rm", "cleanme"}).exit_code == 0);
}
