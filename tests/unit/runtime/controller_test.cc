// runtime::Controller: what each outcome of a pass asks of the queue — an error or a throw is
// retried with backoff (and the worker survives a throw), a requeue comes back after its delay,
// `after` runs only after a success — and Stop joins the workers.
#include "pkg/runtime/controller.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

#include <gtest/gtest.h>

namespace x3ui::runtime {
namespace {

using namespace std::chrono_literals;

// What the controller did, as its reconcile and after callbacks saw it.
class Journal {
 public:
  void Note(const std::string& what) {
    std::lock_guard<std::mutex> l(mu_);
    ++counts_[what];
    cv_.notify_all();
  }
  // Waits (at most 10 s) until `what` was noted `n` times.
  bool WaitFor(const std::string& what, int n) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, 10s, [&] { return counts_[what] >= n; });
  }
  int Count(const std::string& what) {
    std::lock_guard<std::mutex> l(mu_);
    return counts_[what];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> counts_;
};

TEST(ControllerTest, EachOutcomeIsWhatTheQueueDoesNext) {
  struct Case {
    const char* key;  // "ns/name": the reconcile below behaves by name
    const char* retried_as;  // what the second pass notes
    bool after_first;        // whether `after` ran after the first pass
  };
  const std::vector<Case> cases = {
      {"ns/fails-once", "ns/fails-once ok", false},
      {"ns/throws-once", "ns/throws-once ok", false},
      {"ns/requeues", "ns/requeues ok", true},
  };
  RealClock clock;
  metrics::Metrics metrics;
  Journal journal;
  Controller c({.name = "test", .workers = 2}, &clock, &metrics);
  c.SetReconcile([&](const std::string& ns, const std::string& name) -> Result<ReconcileResult> {
    const std::string key = ns + "/" + name;
    const bool first = journal.Count(key + " pass") == 0;
    journal.Note(key + " pass");
    if (!first) {
      journal.Note(key + " ok");
      return ReconcileResult{};
    }
    if (name == "fails-once") return Status::Unavailable("panel down");
    if (name == "throws-once") throw std::runtime_error("bug");
    return ReconcileResult{.requeue_after = 20ms};
  });
  c.SetAfter([&](const std::string& key) { journal.Note(key + " after"); });
  c.StartWorkers();
  for (const Case& k : cases) c.Enqueue(k.key);
  for (const Case& k : cases) {
    EXPECT_TRUE(journal.WaitFor(k.retried_as, 1)) << k.key << " came back";
    EXPECT_TRUE(journal.WaitFor(std::string(k.key) + " after", k.after_first ? 2 : 1)) << k.key;
  }
  EXPECT_TRUE(c.Stop(1s));
  for (const Case& k : cases) {
    EXPECT_EQ(journal.Count(std::string(k.key) + " pass"), 2) << k.key << ": once, then once more, no loop";
    EXPECT_EQ(journal.Count(std::string(k.key) + " after"), k.after_first ? 2 : 1) << k.key;
  }
  const std::string exposition = metrics.Exposition();
  EXPECT_NE(exposition.find("controller_runtime_reconcile_panics_total{controller=\"test\"} 1"), std::string::npos);
  EXPECT_NE(exposition.find("controller_runtime_reconcile_errors_total{controller=\"test\"} 2"), std::string::npos)
      << exposition;
}

TEST(ControllerTest, StopWithoutWorkersOrInformerReturnsAtOnce) {
  RealClock clock;
  metrics::Metrics metrics;
  Controller c({.name = "idle", .workers = 1}, &clock, &metrics);
  c.Enqueue("ns/a");
  EXPECT_TRUE(c.Stop(0ms));
  EXPECT_TRUE(c.Stop(0ms)) << "a second Stop does nothing";
}

}  // namespace
}  // namespace x3ui::runtime
