// The /networks use cases and the engine's network hooks: the files a container's name resolution
// reads (/etc/hosts, /etc/resolv.conf), connect and disconnect.
//
// Name resolution on user-defined networks is /etc/hosts kept current (rewritten in place on
// create, connect, disconnect and remove of a neighbour), not an embedded DNS server: nothing runs
// per network or per container, a container finds its peers even while the daemon is down, and
// busybox/musl/glibc resolvers all read /etc/hosts first. The cost is what Docker's DNS gives on
// top: no resolution of names added after a program cached its lookups, and no round-robin.
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "engine/engine_impl.hpp"
#include "engine/network_files.hpp"
#include "runtime/file_util.hpp"

namespace gocker::engine {
namespace {

// In place (truncate and write), never rename: a running container has the file bind-mounted, and
// a bind mount holds the inode, not the name.
Status rewrite_in_place(const std::string& path, const std::string& content) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (!fd) return Error::from_errno(errno, "open " + quoted(path));
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "write " + quoted(path));
    }
    written += static_cast<size_t>(n);
  }
  return ok();
}

std::string read_or_empty(const std::string& path) {
  auto text = runtime::read_file(path);
  return text ? std::move(text).value() : std::string{};
}

}  // namespace

Status EngineImpl::write_network_files(const Container& container) {
  const std::string& id = container.record.id;
  const auto& net = container.host_config.network;
  const bool host_network = networks_->is_host_network(id);
  std::string hosts;
  if (host_network) {
    hosts = read_or_empty("/etc/hosts");
  } else {
    std::vector<HostsEntry> extra;
    for (const auto& entry : net.extra_hosts) {
      // "name:ip" (docker's --add-host); the ip may itself contain colons (IPv6).
      const size_t colon = entry.find(':');
      if (colon == std::string::npos) continue;
      extra.push_back(HostsEntry{entry.substr(colon + 1), {entry.substr(0, colon)}});
    }
    std::vector<HostsEntry> peers;
    for (auto& peer : networks_->peers_of(id)) peers.push_back(HostsEntry{peer.address, std::move(peer.names)});
    hosts = build_hosts_file(container.config.hostname, networks_->address_of(id), extra, peers);
  }
  GOCKER_TRY(rewrite_in_place(container.dir + "/hosts", hosts));
  GOCKER_TRY(rewrite_in_place(container.dir + "/resolv.conf",
                              build_resolv_conf(read_or_empty("/etc/resolv.conf"), net.dns, net.dns_search,
                                                net.dns_options, host_network)));
  return ok();
}

void EngineImpl::refresh_hosts_files(const std::vector<std::string>& container_ids) {
  for (const auto& id : container_ids) {
    std::shared_ptr<Container> container;
    {
      std::lock_guard lock(registry_mutex_);
      auto it = containers_.find(id);
      if (it == containers_.end()) continue;
      container = it->second;
    }
    std::lock_guard lock(container->mutex);
    if (container->removing) continue;
    if (auto written = write_network_files(*container); !written)
      spdlog::warn("container {}: update /etc/hosts: {}", id.substr(0, 12), written.error().message);
  }
}

Result<std::vector<api::NetworkResource>> EngineImpl::list_networks(
    const std::vector<std::pair<std::string, std::string>>& filters) const {
  return networks_->list(filters);
}

Result<api::NetworkResource> EngineImpl::inspect_network(const std::string& ref) const { return networks_->inspect(ref); }

Result<std::string> EngineImpl::create_network(const api::NetworkCreateRequest& request) {
  return networks_->create(request);
}

Status EngineImpl::remove_network(const std::string& ref) { return networks_->remove(ref); }

Result<std::vector<std::string>> EngineImpl::prune_networks() { return networks_->prune(); }

Status EngineImpl::connect_network(const std::string& network_ref, const std::string& container_ref,
                                   const api::EndpointRequest& endpoint) {
  auto found = find(container_ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  auto network = networks_->find(network_ref);
  if (!network) return std::move(network).error();
  if (network->driver != "bridge")
    return Error::invalid("container cannot be connected to network " + network->name + ": only bridge networks can be connected");
  if (networks_->is_host_network(container->record.id))
    return Error::invalid("container sharing network namespace with host network cannot be connected to any other network");
  api::NetworkingConfig networking;
  networking.endpoints[network->name] = endpoint;
  std::string name;
  int64_t pid = 0;
  {
    std::lock_guard lock(container->mutex);
    name = container->record.name;
    if (container->is_running()) pid = container->record.pid;
  }
  auto allocated = networks_->allocate(container->record.id, name, network->name, networking);
  if (!allocated) return std::move(allocated).error();
  if (auto stored = store_->insert_endpoint(*allocated); !stored) {
    (void)networks_->remove_endpoint(container->record.id, network->id);
    return std::move(stored).error();
  }
  if (pid > 0) {
    if (auto attached = networks_->attach_endpoint(container->record.id, network->id, static_cast<int>(pid)); !attached) {
      (void)store_->delete_endpoint(container->record.id, network->id);
      (void)networks_->remove_endpoint(container->record.id, network->id);
      return std::move(attached).error().context("connect container " + container->record.id.substr(0, 12));
    }
  }
  auto neighbours = networks_->neighbours_of(container->record.id);
  neighbours.push_back(container->record.id);
  refresh_hosts_files(neighbours);
  return ok();
}

Status EngineImpl::disconnect_network(const std::string& network_ref, const std::string& container_ref, bool /*force*/) {
  auto found = find(container_ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  auto network = networks_->find(network_ref);
  if (!network) return std::move(network).error();
  auto neighbours = networks_->neighbours_of(container->record.id);
  GOCKER_TRY(store_->delete_endpoint(container->record.id, network->id));
  networks_->detach_endpoint(container->record.id, network->id);
  (void)networks_->remove_endpoint(container->record.id, network->id);
  neighbours.push_back(container->record.id);
  refresh_hosts_files(neighbours);
  return ok();
}

Status EngineImpl::cleanup_network() { return networks_->cleanup_kernel_state(); }

}  // namespace gocker::engine
