#include "controller/assignment/watches.h"

#include <vector>

#include "controller/assignment/credentials.h"
#include "pkg/api/json.h"
#include "pkg/kube/object_key.h"
#include "pkg/runtime/predicates.h"

namespace x3ui::controller {
namespace {

using Values = std::vector<std::string>;

// A rotation is asked for with an annotation, which moves neither the generation nor the
// labels: its change wakes the user's reconcile too.
bool RotationAsked(const kube::Json& o, const kube::Json& n) {
  const auto value = [](const kube::Json& obj) {
    const kube::Json ann = obj["metadata"].value("annotations", kube::Json::object());
    return ann.value(kRotateSubscriptionTokenAnnotation, "");
  };
  return value(o) != value(n);
}

void AddIndexes(kube::Informer* informer) {
  informer->AddIndex("namespace", [](const kube::Json& o) { return Values{kube::ObjectKey::Of(o).ns}; });
  // The users still waiting for a node, by namespace: tried again when a node may have become usable.
  informer->AddIndex("unplaced", [](const kube::Json& o) {
    return api::AssignedNode(o).empty() ? Values{kube::ObjectKey::Of(o).ns} : Values{};
  });
  informer->AddIndex("phase", [](const kube::Json& o) {
    std::string phase = o.value("status", kube::Json::object()).value("phase", "");
    return Values{phase.empty() ? api::kPhasePending : phase};
  });
  // The users of a node, by node key: moved at once when they must leave it.
  informer->AddIndex("node", [](const kube::Json& o) {
    const std::string node = api::AssignedNode(o);
    return node.empty() ? Values{} : Values{kube::ObjectKey{kube::ObjectKey::Of(o).ns, node}.String()};
  });
}

}  // namespace

void WatchVpnAssignments(const AssignmentWatchDeps& d) {
  d.assignments->Watch(d.kube, kube::kVpnAssignments, d.ns);
  AddIndexes(d.assignments->informer());
  d.assignments->SetReconcile([r = d.reconciler](const std::string& ns, const std::string& n) { return r->Reconcile(ns, n); });
  // Where the informer says an assignment is placed: counts, and the drift diff's cache.
  auto observe = [r = d.reconciler, placed = d.placed](const kube::Json& o) {
    placed->Touched(o);
    const kube::ObjectKey key = kube::ObjectKey::Of(o);
    r->Observe(key.ns, key.name, api::AssignedNode(o), o["metadata"].value("resourceVersion", ""));
  };
  auto wake = [a = d.assignments](const kube::Json& o) { a->Enqueue(kube::Informer::KeyOf(o)); };
  d.assignments->informer()->AddHandlers(
      {[observe, wake](const kube::Json& o) {
         observe(o);
         wake(o);
       },
       [d, observe, wake](const kube::Json& o, const kube::Json& n) {
         if (const std::string left = api::AssignedNode(o); !left.empty() && left != api::AssignedNode(n)) {
           d.nodes->Enqueue(kube::ObjectKey{kube::ObjectKey::Of(o).ns, left}.String());
         }
         d.placed->Touched(o);
         observe(n);
         if (runtime::SpecOrLifecycleChanged(o, n) || RotationAsked(o, n)) wake(n);
       },
       [placed = d.placed, wake](const kube::Json& o) {
         placed->Touched(o);
         wake(o);
       }});
}

}  // namespace x3ui::controller
