#include "model/model.hpp"

#include <algorithm>

namespace flowlab::topology {

const Interface* Node::find_interface(const std::string& ifname) const {
  for (const auto& i : interfaces) {
    if (i.name == ifname) {
      return &i;
    }
  }
  return nullptr;
}

const Node* Topology::find_node(const std::string& node_name) const {
  for (const auto& n : nodes) {
    if (n.name == node_name) {
      return &n;
    }
  }
  return nullptr;
}

std::vector<const Node*> Topology::routers() const {
  std::vector<const Node*> out;
  for (const auto& n : nodes) {
    if (n.is_router()) {
      out.push_back(&n);
    }
  }
  return out;
}

std::vector<const Node*> Topology::bmp_stations(const std::string& router) const {
  std::vector<const Node*> out;
  for (const auto& n : nodes) {
    if (n.role == Role::kCollector && std::find(n.bmp_peers.begin(), n.bmp_peers.end(), router) != n.bmp_peers.end()) {
      out.push_back(&n);
    }
  }
  return out;
}

std::string_view interface_role_name(InterfaceRole role) { return enum_name(kInterfaceRoleNames, role, ""); }

}  // namespace flowlab::topology
