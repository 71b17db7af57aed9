// File: pkg/runtime/controller.h
//
// One controller, as controller-runtime's: a rate-limited work queue of "namespace/name" keys,
// drained by workers that call the reconcile through the exception boundary
// (GuardedReconcile), optionally fed by an informer of one resource whose handlers and indexes
// the controller's watches declare. A failed pass is retried with backoff; a pass asking to be
// requeued comes back after its delay; `after` runs after each successful pass (what a pass
// wakes elsewhere). Every step is counted in the controller_runtime_* and workqueue_* metrics.
//
// Lifecycle: construct, Watch (optional), SetReconcile/SetAfter and the informer's handlers, then
// StartInformer and StartWorkers; Stop ends the informer and drains the queue.
// Thread-safety: Enqueue, informer() reads and Len are thread-safe once set up; the setters and
// Watch must be called before StartWorkers, from one thread.
#ifndef X3UI_PKG_RUNTIME_CONTROLLER_H_
#define X3UI_PKG_RUNTIME_CONTROLLER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pkg/common/clock.h"
#include "pkg/common/status.h"
#include "pkg/kube/client.h"
#include "pkg/kube/informer.h"
#include "pkg/metrics/metrics.h"
#include "pkg/runtime/reconcile_result.h"
#include "pkg/workqueue/work_queue.h"

namespace x3ui::runtime {

class Controller {
 public:
  using Reconcile = std::function<Result<ReconcileResult>(const std::string& ns, const std::string& name)>;
  using After = std::function<void(const std::string& key)>;

  struct Options {
    std::string name;  // the metrics' controller label, and the logs'
    int workers = 1;   // --max-concurrent-reconciles
  };

  // Borrows `clock` and `metrics`, which must outlive this.
  Controller(Options options, Clock* clock, metrics::Metrics* metrics);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // An informer of `resource` in `ns` ("" for all), managedFields stripped, list/watch errors
  // logged; its handlers and indexes are the caller's (the controller's watches).
  void Watch(kube::KubeClient* kube, const kube::Resource& resource, const std::string& ns);
  kube::Informer* informer() const { return informer_.get(); }  // null without Watch

  void SetReconcile(Reconcile reconcile) { reconcile_ = std::move(reconcile); }
  void SetAfter(After after) { after_ = std::move(after); }

  void Enqueue(const std::string& key);
  const std::string& name() const { return options_.name; }

  void StartInformer();
  void StartWorkers();
  // Stops the informer, then shuts the queue down letting running passes finish (at most
  // `drain`) and joins the workers. False when passes were still running at the deadline. Once;
  // later calls (and the destructor's) do nothing.
  bool Stop(std::chrono::milliseconds drain);

 private:
  void Work();
  void Pass(const std::string& key);

  const Options options_;
  metrics::Metrics* const metrics_;
  workqueue::WorkQueue queue_;
  std::unique_ptr<kube::Informer> informer_;
  Reconcile reconcile_;
  After after_;
  std::vector<std::thread> workers_;
  bool stopped_ = false;
};

}  // namespace x3ui::runtime

#endif  // X3UI_PKG_RUNTIME_CONTROLLER_H_
