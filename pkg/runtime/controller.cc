#include "pkg/runtime/controller.h"

#include <spdlog/spdlog.h>

#include "pkg/kube/object_key.h"
#include "pkg/runtime/guarded_reconcile.h"

namespace x3ui::runtime {

Controller::Controller(Options options, Clock* clock, metrics::Metrics* metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      queue_(options_.name, workqueue::DefaultControllerRateLimiter(clock)) {
  metrics_->RegisterController(options_.name, options_.workers);
}

Controller::~Controller() { Stop(std::chrono::milliseconds(0)); }

void Controller::Watch(kube::KubeClient* kube, const kube::Resource& resource, const std::string& ns) {
  informer_ = std::make_unique<kube::Informer>(
      kube, resource,
      kube::InformerOptions{.ns = ns, .transform = kube::DropManagedFields, .on_error = kube::LogListWatchErrors(resource.kind)});
}

void Controller::Enqueue(const std::string& key) {
  metrics_->QueueAdd(options_.name);
  queue_.Add(key);
}

void Controller::StartInformer() {
  if (informer_) informer_->Start();
}

void Controller::StartWorkers() {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
}

bool Controller::Stop(std::chrono::milliseconds drain) {
  if (stopped_) return true;
  stopped_ = true;
  if (informer_) informer_->Stop();
  const bool drained = queue_.ShutDownWithDrain(drain);
  for (auto& w : workers_) w.join();
  workers_.clear();
  return drained;
}

void Controller::Work() {
  while (auto key = queue_.Get()) {
    metrics_->ActiveWorkers(options_.name, 1);
    Pass(*key);
    queue_.Done(*key);
    metrics_->ActiveWorkers(options_.name, -1);
    metrics_->QueueDepth(options_.name, static_cast<double>(queue_.Len()));
  }
}

// One reconcile of `key` and what its outcome asks of the queue.
void Controller::Pass(const std::string& key) {
  const kube::ObjectKey object = kube::ObjectKey::Parse(key);
  const auto started = std::chrono::steady_clock::now();
  Result<ReconcileResult> r = GuardedReconcile(
      options_.name, [&] { return reconcile_(object.ns, object.name); }, metrics_);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!r.ok()) {
    spdlog::warn("reconciling {} {} failed, will retry: {}", options_.name, key, r.status().ToString());
    metrics_->ReconcileError(options_.name);
    metrics_->ObserveReconcile(options_.name, "error", seconds);
    metrics_->QueueRetry(options_.name);
    queue_.AddRateLimited(key);
    return;
  }
  metrics_->ObserveReconcile(options_.name, r->requeue_after.count() > 0 ? "requeue_after" : "success", seconds);
  queue_.Forget(key);
  if (r->requeue_after.count() > 0) queue_.AddAfter(key, r->requeue_after);
  if (after_) after_(key);
}

}  // namespace x3ui::runtime
