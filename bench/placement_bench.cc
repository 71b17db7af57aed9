// Placement micro-benchmarks: PlacementPolicy::PlaceBatch placing N new users over M nodes
// (three priority tiers, weights 1-5), and single Choose decisions. See bench/README.md.
#include <benchmark/benchmark.h>

#include "pkg/balancer/placement_policy.h"

namespace {

using x3ui::balancer::NodeView;
using x3ui::balancer::PlacementPolicy;
using x3ui::balancer::PlacementRequest;

std::vector<NodeView> Fleet(int nodes, int64_t capacity) {
  std::vector<NodeView> out;
  for (int i = 0; i < nodes; ++i) {
    NodeView n;
    n.name = "node-" + std::to_string(i);
    n.priority = i % 3;
    n.weight = 1 + i % 5;
    n.max_users = capacity;
    n.region = i % 2 ? "eu" : "us";
    out.push_back(n);
  }
  return out;
}

// args: users, nodes. Capacity is sized so that the top tier overflows into the next.
void BM_PlaceBatch(benchmark::State& state) {
  const int64_t users = state.range(0);
  const int nodes = static_cast<int>(state.range(1));
  const std::vector<NodeView> fleet = Fleet(nodes, 3 * users / nodes / 2 + 1);
  const std::vector<PlacementRequest> reqs(users);
  PlacementPolicy policy;
  for (auto _ : state) {
    std::vector<NodeView> copy = fleet;
    auto out = policy.PlaceBatch(&copy, reqs);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * users);
}
BENCHMARK(BM_PlaceBatch)->Args({100000, 1000})->Args({10000, 20})->Args({1000, 1000})->Unit(benchmark::kMillisecond);

// One decision over M nodes, as a reconciler makes it for one assignment.
void BM_Choose(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  std::vector<NodeView> fleet = Fleet(nodes, 1000000);
  PlacementPolicy policy;
  PlacementRequest req;
  for (auto _ : state) {
    auto r = policy.Choose(fleet, req);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Choose)->Arg(20)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
