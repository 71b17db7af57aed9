#include "controller/manifest_check.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <map>

#include "pkg/api/reasons.h"
#include "pkg/balancer/placement_policy.h"

namespace x3ui::controller {
namespace {

namespace fs = std::filesystem;

bool IsManifestFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return (ext == ".yaml" || ext == ".yml" || ext == ".json") && p.filename() != "kustomization.yaml";
}

template <typename T>
void Append(std::vector<T>* to, std::vector<T>* from) {
  to->insert(to->end(), std::make_move_iterator(from->begin()), std::make_move_iterator(from->end()));
}

}  // namespace

Result<api::Manifest> LoadManifests(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        if (e.is_regular_file() && IsManifestFile(e.path())) in_dir.push_back(e.path());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.emplace_back(p);
    }
  }
  if (files.empty()) return Status::NotFound("no manifest files found in the given paths");
  api::Manifest all;
  for (const auto& f : files) {
    Result<api::Manifest> m = api::LoadManifestFile(f.string());
    if (!m.ok()) return m.status();
    Append(&all.nodes, &m->nodes);
    Append(&all.assignments, &m->assignments);
    Append(&all.migrations, &m->migrations);
    Append(&all.others, &m->others);
  }
  return all;
}

Status PrintPlacementPreview(const api::Manifest& m, std::ostream& out) {
  out << "valid: " << m.nodes.size() << " VpnNode, " << m.assignments.size() << " VpnAssignment, "
      << m.migrations.size() << " VpnMigration, " << m.others.size() << " other\n";
  std::vector<balancer::NodeView> nodes;
  for (const auto& n : m.nodes) {
    balancer::NodeView v;
    v.name = n.metadata.name;
    v.schedulable = !n.spec.unschedulable;
    if (n.spec.drain) v.evacuate_reason = api::kReasonNodeDraining;
    v.max_users = n.spec.capacity.max_users;
    v.priority = n.spec.priority;
    v.weight = n.spec.weight;
    v.region = n.spec.region;
    v.labels = n.spec.labels;
    nodes.push_back(std::move(v));
  }
  std::vector<balancer::PlacementRequest> reqs;
  for (const auto& a : m.assignments) {
    reqs.push_back({a.metadata.name, a.spec.node_name, a.spec.node_selector, ""});
  }
  balancer::PlacementPolicy policy;
  auto placed = policy.PlaceBatch(&nodes, reqs);
  out << "\nplacement preview (every node assumed Ready and empty):\n";
  out << "  " << std::left << std::setw(24) << "ASSIGNMENT" << std::setw(16) << "NODE" << "WHY\n";
  int failures = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    out << "  " << std::left << std::setw(24) << reqs[i].user;
    if (placed[i].ok()) {
      out << std::setw(16) << placed[i]->node << placed[i]->reason << "\n";
    } else {
      ++failures;
      out << std::setw(16) << "-" << placed[i].status().message() << "\n";
    }
  }
  out << "\n  " << std::left << std::setw(16) << "NODE" << std::setw(8) << "USERS" << "CAPACITY\n";
  for (const auto& n : nodes) {
    out << "  " << std::left << std::setw(16) << n.name << std::setw(8) << n.users << n.max_users << "\n";
  }
  if (failures > 0) {
    return Status::FailedPrecondition(std::to_string(failures) + " assignment(s) could not be placed");
  }
  return Status::Ok();
}

}  // namespace x3ui::controller
