#include "controller/node/watches.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "controller/node/view.h"
#include "pkg/api/json.h"
#include "pkg/common/mutex.h"
#include "pkg/kube/object_key.h"
#include "pkg/runtime/predicates.h"

namespace x3ui::controller {
namespace {

// Whether a node can take users differently from the last time a pass of it was seen.
class UsabilityMemo {
 public:
  bool Changed(const std::string& key, const balancer::NodeView& v) {
    const std::string now = v.phase + (v.schedulable ? "/schedulable/" : "/cordoned/") + std::to_string(v.max_users) +
                            (v.users < v.max_users ? "/room" : "/full");
    MutexLock l(mu_);
    std::string& before = seen_[key];
    if (before == now) return false;
    before = now;
    return true;
  }
  void Forget(const std::string& key) {
    MutexLock l(mu_);
    seen_.erase(key);
  }

 private:
  Mutex mu_;
  std::map<std::string, std::string> seen_ GUARDED_BY(mu_);  // node key -> the last usability seen
};

void EnqueueAll(runtime::Controller* to, const std::vector<kube::Json>& objects) {
  for (const auto& o : objects) to->Enqueue(kube::Informer::KeyOf(o));
}

// What a successful pass of node `key` wakes (see the header).
void AfterNodePass(const NodeWatchDeps& d, UsabilityMemo& usability, const std::string& key) {
  const kube::ObjectKey node = kube::ObjectKey::Parse(key);
  const auto views = d.reconciler->Views(node.ns);
  auto view = std::find_if(views.begin(), views.end(), [&](const auto& v) { return v.name == node.name; });
  kube::Informer* assignments = d.assignments->informer();
  if (view == views.end() || usability.Changed(key, *view)) EnqueueAll(d.assignments, assignments->ByIndex("unplaced", node.ns));
  if (view != views.end() && view->phase == api::kPhaseReady) d.pending_removals->Enqueue(key);
  if (view == views.end() || view->evacuating()) EnqueueAll(d.assignments, assignments->ByIndex("node", key));
}

}  // namespace

void WatchVpnNodes(const NodeWatchDeps& d) {
  d.nodes->Watch(d.kube, kube::kVpnNodes, d.ns);
  kube::Informer* informer = d.nodes->informer();
  informer->AddIndex("namespace", [](const kube::Json& o) { return std::vector<std::string>{kube::ObjectKey::Of(o).ns}; });
  d.nodes->SetReconcile([r = d.reconciler](const std::string& ns, const std::string& n) { return r->Reconcile(ns, n); });
  auto usability = std::make_shared<UsabilityMemo>();
  d.nodes->SetAfter([d, usability](const std::string& key) { AfterNodePass(d, *usability, key); });
  auto wake = [nodes = d.nodes](const kube::Json& o) { nodes->Enqueue(kube::Informer::KeyOf(o)); };
  informer->AddHandlers({wake,
                         [wake](const kube::Json& o, const kube::Json& n) {
                           if (runtime::SpecOrLifecycleChanged(o, n)) wake(n);
                         },
                         [wake, usability, placed = d.placed](const kube::Json& o) {
                           const std::string key = kube::Informer::KeyOf(o);
                           usability->Forget(key);
                           placed->Forget(key);
                           wake(o);
                         }});
}

std::vector<balancer::NodeView> AllNodeViews(const NodeReconciler& reconciler, const kube::Informer& nodes,
                                             const std::string& ns) {
  std::vector<balancer::NodeView> views = reconciler.Views(ns);
  std::set<std::string> probed;
  for (const auto& v : views) probed.insert(v.name);
  for (const auto& key : nodes.KeysByIndex("namespace", ns)) {
    if (probed.count(kube::ObjectKey::Parse(key).name)) continue;
    std::optional<kube::Json> o = nodes.Get(key);
    if (!o) continue;
    if (Result<api::VpnNode> n = api::DecodeVpnNode(*o); n.ok()) views.push_back(UnprobedView(*n));
  }
  return views;
}

}  // namespace x3ui::controller
