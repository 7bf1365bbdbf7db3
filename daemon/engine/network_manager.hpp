#pragma once
// Networks: the records (bridge, host, none and user-defined bridges), IPAM, and what a running
// container has in the kernel (its veth, its published ports). One mutex guards it all; kernel
// work (netlink, nftables) is short and happens under it, so the rule set written always matches
// the state. The one slow kernel step, deleting an exited container's veth, is left to a worker.
//
// IPAM: each network's used addresses live in memory, loaded from the endpoints table at start.
// allocate() reserves addresses for a new container; the engine inserts them with the container
// row in one transaction (the UNIQUE index on endpoints is the backstop), or release()s them when
// the create fails. Removal of the row (ON DELETE CASCADE) is followed by release().
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/container_types.hpp"
#include "api/network_types.hpp"
#include "base/result.hpp"
#include "network/ipv4.hpp"
#include "network/link_reaper.hpp"
#include "network/nat_rules.hpp"
#include "state/store.hpp"

namespace gocker::engine {

struct NetworkConfig {
  std::string bridge_ip;             // --bip: "172.17.0.1/16"
  std::string default_address_pool;  // --default-address-pool: "base=10.10.0.0/16,size=24"
};

class NetworkManager {
 public:
  NetworkManager(state::Store& store, NetworkConfig config) : store_(store), config_(std::move(config)) {}

  // Loads networks and endpoints, creates the defaults (bridge, host, none) when missing and sets
  // up the default bridge (a failure there is logged: containers on it then fail to start).
  Status load(const std::map<std::string, std::string>& container_names);

  // ---- the /networks API ----
  Result<std::vector<api::NetworkResource>> list(const std::vector<std::pair<std::string, std::string>>& filters) const;
  Result<api::NetworkResource> inspect(const std::string& ref) const;
  Result<std::string> create(const api::NetworkCreateRequest& request);  // returns the id
  Status remove(const std::string& ref);
  Result<std::vector<std::string>> prune();  // names of the removed networks

  // ---- containers ----
  // The endpoint of a new container on the network its HostConfig.NetworkMode names, with an
  // address reserved. InvalidArgument/NotFound for a bad mode, --ip or network.
  Result<state::EndpointRecord> allocate(const std::string& container_id, const std::string& container_name,
                                         const std::string& network_mode, const api::NetworkingConfig& networking,
                                         const std::vector<std::string>& aliases_extra = {});
  // Forgets every endpoint of the container (its rows are already gone or were never written).
  void release(const std::string& container_id);
  // Restores the in-memory endpoint of an existing container (load() does it for all; connect).
  Status add_endpoint(const state::EndpointRecord& endpoint, const std::string& container_name);
  Status remove_endpoint(const std::string& container_id, const std::string& network_id);
  // The network a ref names (id, id prefix or name).
  Result<state::NetworkRecord> find(const std::string& ref) const;

  // Wires a starting container (its init waits for kGo in its new namespace): veth, address,
  // route, lo, published ports. On failure nothing of it is left behind.
  Status attach(const std::string& container_id, int init_pid, const api::ContainerConfig& config,
                const api::HostConfig& host_config, const std::string& ports_file);
  // connect of a running container: one more interface (eth<N>) for the endpoint on `network_id`.
  Status attach_endpoint(const std::string& container_id, const std::string& network_id, int init_pid);
  // disconnect of a running container: its interface on that network goes.
  void detach_endpoint(const std::string& container_id, const std::string& network_id);
  // Its ports go, and its veths soon after (the container ended or is being removed). Idempotent.
  void detach(const std::string& container_id);
  // After a daemon restart: a running container's published ports, from the file attach wrote.
  void restore_ports(const std::string& container_id, const std::string& ports_file);
  // Writes the nftables table for the current state.
  Status apply_rules();

  // The container's NetworkSettings (inspect), its Ports for `ps`, the hosts-file peers.
  api::NetworkSettings settings(const std::string& container_id, const api::ContainerConfig& config) const;
  nlohmann::json summary_ports(const std::string& container_id) const;
  std::map<std::string, api::EndpointSettings> summary_networks(const std::string& container_id) const;
  // The container's address on its first network ("" for host/none) and its peers' entries.
  std::string address_of(const std::string& container_id) const;
  struct Peer {
    std::string container_id;
    std::string address;
    std::vector<std::string> names;
  };
  std::vector<Peer> peers_of(const std::string& container_id) const;
  // Containers that share a user-defined network with this one.
  std::vector<std::string> neighbours_of(const std::string& container_id) const;
  bool is_host_network(const std::string& container_id) const;

  // Removes every link and rule gocker made (gockerd --cleanup-network, a clean shutdown without
  // containers). `endpoints_too`: also the veths of recorded endpoints.
  Status cleanup_kernel_state();

 private:
  struct Endpoint {
    state::EndpointRecord record;
    std::string container_name;
    uint32_t address = 0;
  };
  struct Network {
    state::NetworkRecord record;
    network::Subnet subnet;
    uint32_t gateway = 0;
    std::map<std::string, Endpoint> endpoints;  // by container id
    std::set<uint32_t> used;
  };
  struct Published {
    api::PortMap bindings;  // what inspect shows
    std::vector<network::PortForward> forwards;
    std::string network_id;
  };

  const Network* find_locked(const std::string& ref) const;
  Result<Network> make_network(state::NetworkRecord record) const;
  Result<network::Subnet> pick_subnet() const;
  Status ensure_bridge_locked(const Network& network);
  std::string veth_name(const std::string& container_id, const std::string& network_id) const;
  Result<std::vector<network::PortForward>> plan_ports(const api::ContainerConfig& config,
                                                       const api::HostConfig& host_config, uint32_t container_ip,
                                                       api::PortMap& shown);
  Status apply_rules_locked();
  api::NetworkResource resource_locked(const Network& network) const;

  state::Store& store_;
  NetworkConfig config_;
  mutable std::mutex mutex_;
  std::map<std::string, Network> networks_;  // by id
  std::map<std::string, Published> published_;  // by container id (running containers)
  std::set<std::string> attached_;  // container ids with veths in the kernel
  bool forwarding_enabled_ = false;
  network::LinkReaper reaper_;
};

}  // namespace gocker::engine
