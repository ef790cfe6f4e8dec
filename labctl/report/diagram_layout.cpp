// layout_diagram(): where each node of a Diagram sits (diagram.hpp explains the rules).
#include "labctl/report/diagram.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace flowlab::report {

namespace {

// Geometry (SVG user units).
constexpr double kMargin = 20;
constexpr double kCell = 120;  // width of one lane inside an AS box
constexpr double kRow = 66;    // height of one row inside an AS box
constexpr double kPad = 14;
constexpr double kTitle = 22;  // AS label band at the top of a box
constexpr double kColumnGap = 70;
constexpr double kGroupGap = 26;
constexpr double kMonitorGap = 56;
constexpr double kHostSpacing = 80;
constexpr double kHostOffset = 62;  // hosts sit below and beside their router

double node_width(DiagramRole role) { return role == DiagramRole::kRouter ? 70 : role == DiagramRole::kHost ? 56 : 76; }
double node_height(DiagramRole role) { return role == DiagramRole::kHost ? 24 : 30; }

using NodeIndex = std::map<std::string, std::size_t>;
using RoutersByAs = std::map<std::uint32_t, std::vector<std::size_t>>;  // routers per AS, in file order
using HostsOf = std::map<std::size_t, std::vector<std::size_t>>;        // router -> the hosts beside it

// The AS boxes' order and column: BFS over inter-AS router links from the AS with the most routers (ties: the smaller
// ASN); an AS the first BFS does not reach starts its own at column 0.
struct AsColumns {
  std::vector<std::uint32_t> order;
  std::map<std::uint32_t, std::size_t> depth;
};

std::map<std::uint32_t, std::set<std::uint32_t>> as_adjacency(const Diagram& d, const NodeIndex& index) {
  std::map<std::uint32_t, std::set<std::uint32_t>> adjacent;
  for (const auto& l : d.links) {
    const auto a = index.find(l.a);
    const auto b = index.find(l.b);
    if (a == index.end() || b == index.end()) {
      continue;
    }
    const auto& na = d.nodes[a->second];
    const auto& nb = d.nodes[b->second];
    if (na.role == DiagramRole::kRouter && nb.role == DiagramRole::kRouter && na.asn != nb.asn) {
      adjacent[na.asn].insert(nb.asn);
      adjacent[nb.asn].insert(na.asn);
    }
  }
  return adjacent;
}

AsColumns as_columns(const Diagram& d, const NodeIndex& index, const RoutersByAs& routers) {
  auto adjacent = as_adjacency(d, index);
  std::vector<std::uint32_t> order;
  std::map<std::uint32_t, std::size_t> depth;
  std::vector<std::uint32_t> roots;
  for (const auto& [asn, members] : routers) {
    roots.push_back(asn);
  }
  std::stable_sort(roots.begin(), roots.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return routers.at(x).size() > routers.at(y).size(); });
  for (const auto root : roots) {
    if (depth.count(root) != 0) {
      continue;
    }
    depth[root] = 0;
    std::size_t head = order.size();
    order.push_back(root);
    while (head < order.size()) {
      const auto asn = order[head++];
      for (const auto next : adjacent[asn]) {
        if (depth.count(next) == 0) {
          depth[next] = depth[asn] + 1;
          order.push_back(next);
        }
      }
    }
  }
  return {order, depth};
}

// Monitoring rows (tees, collectors, unattached nodes) under the AS boxes: a node fed only by nodes above sits in
// the first row, a tee's receivers one row below the tee; in each row nodes sit under the mean position of what
// feeds them (sessions and exports), pushed apart to one cell each.
class MonitoringRows {
 public:
  MonitoringRows(const Diagram& d, const NodeIndex& index, const std::vector<std::size_t>& monitoring)
      : monitoring_(monitoring) {
    for (const auto& f : d.feeds) {
      const auto a = index.find(f.from);
      const auto b = index.find(f.to);
      if (a != index.end() && b != index.end()) {
        fed_by_[b->second].push_back(a->second);
      }
    }
    assign_levels();
  }

  void place(DiagramLayout& out, double& right, double& bottom) {
    double y = bottom + kMonitorGap + 20;
    std::size_t placed = 0;
    for (std::size_t l = 0; l < levels_; ++l) {
      auto row = wanted_row(l, out, placed);
      if (row.empty()) {
        continue;
      }
      std::stable_sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      double next = kMargin + kCell / 2;
      for (const auto& [want, m] : row) {
        out.nodes[m].x = std::max(want, next);
        out.nodes[m].y = y;
        next = out.nodes[m].x + kCell;
        right = std::max(right, out.nodes[m].x + kCell / 2);
      }
      bottom = y + 20;
      y += kMonitorGap + 40;
    }
  }

 private:
  // The longest feed chain to each node, cycles cut off.
  void assign_levels() {
    for (const auto m : monitoring_) {
      level_[m] = 0;
    }
    for (std::size_t round = 0; round < monitoring_.size(); ++round) {
      for (const auto m : monitoring_) {
        for (const auto from : fed_by_[m]) {
          if (const auto it = level_.find(from); it != level_.end()) {
            level_[m] = std::max(level_[m], std::min(it->second + 1, monitoring_.size()));
          }
        }
      }
    }
    for (const auto& [m, l] : level_) {
      levels_ = std::max(levels_, l + 1);
    }
  }

  // The nodes of row `l` with the x each wants: the mean x of what feeds it from above (else the next free cell).
  std::vector<std::pair<double, std::size_t>> wanted_row(std::size_t l, const DiagramLayout& out, std::size_t& placed) {
    std::vector<std::pair<double, std::size_t>> row;
    for (const auto m : monitoring_) {
      if (level_[m] != l) {
        continue;
      }
      double sum = 0;
      std::size_t count = 0;
      for (const auto from : fed_by_[m]) {
        if (level_.count(from) == 0 || level_[from] < l) {
          sum += out.nodes[from].x;
          ++count;
        }
      }
      const double fallback = kMargin + kCell / 2 + static_cast<double>(placed) * kCell;
      row.emplace_back(count == 0 ? fallback : sum / static_cast<double>(count), m);
      ++placed;
    }
    return row;
  }

  const std::vector<std::size_t>& monitoring_;
  std::map<std::size_t, std::vector<std::size_t>> fed_by_;
  std::map<std::size_t, std::size_t> level_;
  std::size_t levels_ = 0;
};

// One AS box: its size, with its members placed relative to its top-left corner.
struct Group {
  std::uint32_t asn;
  double width;
  double height;
};

// Hosts and probe hosts beside their router; everything else goes to the monitoring rows.
void sort_out_hosts(const Diagram& d, const NodeIndex& index, HostsOf& hosts_of, std::vector<std::size_t>& monitoring) {
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    const auto& n = d.nodes[i];
    if (n.role == DiagramRole::kRouter) {
      continue;
    }
    const auto r = n.attach.empty() ? index.end() : index.find(n.attach);
    if ((n.role == DiagramRole::kHost || n.role == DiagramRole::kProbe) && r != index.end() &&
        d.nodes[r->second].role == DiagramRole::kRouter) {
      hosts_of[r->second].push_back(i);
    } else {
      monitoring.push_back(i);
    }
  }
}

// Moves a router and the hosts beside it by (dx, dy).
void move_with_hosts(DiagramLayout& out, const HostsOf& hosts_of, std::size_t router, double dx, double dy) {
  out.nodes[router].x += dx;
  out.nodes[router].y += dy;
  if (const auto h = hosts_of.find(router); h != hosts_of.end()) {
    for (const auto m : h->second) {
      out.nodes[m].x += dx;
      out.nodes[m].y += dy;
    }
  }
}

// Size one AS box and place its members relative to the box's top-left corner: one row per router (zig-zag across
// two lanes when the AS has three or more, so a triangle stays a triangle), and a row under each router holding its
// hosts side by side.
Group place_as_box(std::uint32_t asn, const std::vector<std::size_t>& members, const HostsOf& hosts_of,
                   DiagramLayout& out) {
  const bool zigzag = members.size() >= 3;
  double row_y = kTitle + kRow / 2;
  double min_x = kPad + kCell / 2;
  double max_x = min_x;
  for (std::size_t k = 0; k < members.size(); ++k) {
    const auto r = members[k];
    out.nodes[r].x = kPad + (zigzag && k % 2 == 1 ? kCell : 0) + kCell / 2;
    out.nodes[r].y = row_y;
    max_x = std::max(max_x, out.nodes[r].x);
    row_y += kRow;
    if (const auto h = hosts_of.find(r); h != hosts_of.end()) {
      const double spread = kHostSpacing * static_cast<double>(h->second.size() - 1);
      for (std::size_t m = 0; m < h->second.size(); ++m) {
        // Off to the side of the router's lane (left lane leftwards, right lane rightwards), so a link running
        // down the lane to the next router never crosses a host.
        const double side = zigzag && k % 2 == 1 ? kHostOffset : -kHostOffset;
        out.nodes[h->second[m]].x = out.nodes[r].x + side - spread / 2 + kHostSpacing * static_cast<double>(m);
        out.nodes[h->second[m]].y = row_y - kRow * 0.2;
        min_x = std::min(min_x, out.nodes[h->second[m]].x);
        max_x = std::max(max_x, out.nodes[h->second[m]].x);
      }
      row_y += kRow * 0.8;
    }
  }
  // Shift right when hosts stick out on the left; the width covers every member.
  const double shift = kPad + kCell / 2 - min_x;
  for (const auto r : members) {
    move_with_hosts(out, hosts_of, r, shift, 0);
  }
  return {asn, max_x + shift + kCell / 2 + kPad, row_y - kRow / 2 + kPad + 8};
}

// Columns left to right, groups stacked top to bottom, each group centred in its column; each group's members
// move from box-relative to absolute positions. Returns the right edge; `bottom` becomes the lowest box's bottom.
double place_columns(const std::vector<std::vector<Group>>& columns, const RoutersByAs& routers,
                     const HostsOf& hosts_of, DiagramLayout& out, double& bottom) {
  std::map<std::uint32_t, std::pair<double, double>> origin;
  double x = kMargin;
  for (const auto& column : columns) {
    double width = 0;
    for (const auto& g : column) {
      width = std::max(width, g.width);
    }
    double y = kMargin;
    for (const auto& g : column) {
      const double gx = x + (width - g.width) / 2;
      origin[g.asn] = {gx, y};
      out.groups.push_back({g.asn, 0, gx, y, g.width, g.height});
      y += g.height + kGroupGap;
    }
    bottom = std::max(bottom, y - kGroupGap);
    x += width + kColumnGap;
  }
  for (std::size_t k = 0; k < out.groups.size(); ++k) {
    out.groups[k].colour = k % kAsPaletteSize;
  }
  for (const auto& [asn, members] : routers) {
    const auto [ox, oy] = origin[asn];
    for (const auto r : members) {
      move_with_hosts(out, hosts_of, r, ox, oy);
    }
  }
  return columns.empty() ? kMargin : x - kColumnGap;
}

}  // namespace

DiagramLayout layout_diagram(const Diagram& d) {
  DiagramLayout out;
  out.nodes.resize(d.nodes.size());
  const NodeIndex index = d.index_by_name();
  RoutersByAs routers;
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    out.nodes[i].width = node_width(d.nodes[i].role);
    out.nodes[i].height = node_height(d.nodes[i].role);
    if (d.nodes[i].role == DiagramRole::kRouter) {
      routers[d.nodes[i].asn].push_back(i);
    }
  }
  auto [order, depth] = as_columns(d, index, routers);
  HostsOf hosts_of;
  std::vector<std::size_t> monitoring;
  sort_out_hosts(d, index, hosts_of, monitoring);
  std::size_t max_depth = 0;
  for (const auto& [asn, dd] : depth) {
    max_depth = std::max(max_depth, dd);
  }
  std::vector<std::vector<Group>> columns(order.empty() ? 0 : max_depth + 1);
  for (const auto asn : order) {
    columns[depth[asn]].push_back(place_as_box(asn, routers[asn], hosts_of, out));
  }
  double bottom = kMargin;
  double right = place_columns(columns, routers, hosts_of, out, bottom);
  if (!monitoring.empty()) {
    MonitoringRows(d, index, monitoring).place(out, right, bottom);
  }
  out.width = right + kMargin;
  out.height = bottom + kMargin;
  return out;
}

}  // namespace flowlab::report
