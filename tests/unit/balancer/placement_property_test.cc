// Randomised property tests over thousands of generated fleets: capacity is never exceeded,
// higher tiers fill first, each tier stays within one user of its weighted ideal share, placed
// users are sticky, PlaceBatch agrees with repeated Choose, and plans respect the budget.
#include <random>

#include <gtest/gtest.h>

#include "pkg/balancer/migration_planner.h"
#include "pkg/balancer/placement_policy.h"

namespace x3ui::balancer {
namespace {

struct Fleet {
  std::vector<NodeView> nodes;
  int64_t users_to_place = 0;
};

Fleet RandomFleet(std::mt19937_64& rng, bool ample_capacity) {
  std::uniform_int_distribution<int> n_nodes(1, 12), prio(0, 2), weight(1, 9), cap(1, 60), users(1, 300);
  Fleet f;
  int n = n_nodes(rng);
  for (int i = 0; i < n; ++i) {
    NodeView v;
    v.name = "node-" + std::to_string(i);
    v.priority = prio(rng);
    v.weight = weight(rng);
    v.max_users = ample_capacity ? 1000000 : cap(rng);
    v.region = i % 2 ? "eu" : "us";
    f.nodes.push_back(v);
  }
  f.users_to_place = users(rng);
  return f;
}

// Every placement decision of PlaceBatch equals the sequential Choose over the same state.
TEST(PlacementPropertyTest, BatchEqualsSequentialChoose) {
  std::mt19937_64 rng(20261126);
  PlacementPolicy policy;
  for (int iter = 0; iter < 1500; ++iter) {
    Fleet f = RandomFleet(rng, iter % 2 == 0);
    // Some nodes already hold users, some are unhealthy or cordoned.
    std::uniform_int_distribution<int> coin(0, 9);
    for (auto& n : f.nodes) {
      n.users = std::min<int64_t>(n.max_users, coin(rng) * 3);
      if (coin(rng) == 0) n.phase = api::kPhaseUnreachable;
      if (coin(rng) == 0) n.schedulable = false;
    }
    std::vector<PlacementRequest> reqs;
    for (int64_t u = 0; u < f.users_to_place; ++u) {
      PlacementRequest r;
      r.user = "u" + std::to_string(u);
      if (coin(rng) < 3) r.selector.region = coin(rng) < 5 ? "eu" : "us";
      reqs.push_back(r);
    }
    std::vector<NodeView> batch_nodes = f.nodes;
    auto batch = policy.PlaceBatch(&batch_nodes, reqs);
    std::vector<NodeView> seq_nodes = f.nodes;
    for (size_t i = 0; i < reqs.size(); ++i) {
      Result<Placement> one = policy.Choose(seq_nodes, reqs[i]);
      ASSERT_EQ(one.ok(), batch[i].ok()) << "iteration " << iter << " request " << i;
      if (!one.ok()) {
        EXPECT_EQ(one.status().message(), batch[i].status().message());
        continue;
      }
      ASSERT_EQ(one->node, batch[i]->node) << "iteration " << iter << " request " << i;
      for (auto& n : seq_nodes) {
        if (n.name == one->node) ++n.users;
      }
    }
  }
}

TEST(PlacementPropertyTest, CapacityPriorityAndWeightedBalance) {
  std::mt19937_64 rng(7);
  PlacementPolicy policy;
  for (int iter = 0; iter < 3000; ++iter) {
    Fleet f = RandomFleet(rng, iter % 3 != 0);
    std::vector<NodeView> nodes = f.nodes;
    auto out = policy.PlaceBatch(&nodes, std::vector<PlacementRequest>(f.users_to_place));
    int64_t total_cap = 0, placed = 0;
    for (const auto& n : f.nodes) total_cap += n.max_users;
    for (const auto& r : out) placed += r.ok();
    // Every user is placed while any capacity is left.
    ASSERT_EQ(placed, std::min(total_cap, f.users_to_place)) << "iteration " << iter;
    // Capacity is never exceeded.
    for (const auto& n : nodes) {
      ASSERT_LE(n.users, n.max_users) << n.name;
    }
    // A lower tier holds users only when every higher tier is full.
    for (const auto& low : nodes) {
      if (low.users == 0) continue;
      for (const auto& high : nodes) {
        if (high.priority > low.priority) {
          ASSERT_EQ(high.users, high.max_users) << "iteration " << iter;
        }
      }
    }
    // Within a tier, nodes that are not full sit within one user of their weighted share of the
    // tier's users on such nodes (full nodes are capped and excluded from the ideal).
    std::map<int64_t, std::pair<int64_t, int64_t>> tier;  // priority -> (users, weight) of open nodes
    for (const auto& n : nodes) {
      if (n.users < n.max_users) {
        tier[n.priority].first += n.users;
        tier[n.priority].second += n.weight;
      }
    }
    for (const auto& n : nodes) {
      if (n.users >= n.max_users) continue;
      auto [h, w] = tier[n.priority];
      double ideal = static_cast<double>(h) * n.weight / w;
      ASSERT_LT(std::abs(n.users - ideal), 1.0 + 1e-9)
          << "iteration " << iter << " node " << n.name << " users " << n.users << " ideal " << ideal;
    }
  }
}

TEST(PlacementPropertyTest, PlacedUsersStay) {
  std::mt19937_64 rng(99);
  PlacementPolicy policy;
  for (int iter = 0; iter < 1000; ++iter) {
    Fleet f = RandomFleet(rng, true);
    std::vector<NodeView> nodes = f.nodes;
    std::vector<PlacementRequest> reqs(f.users_to_place);
    auto first = policy.PlaceBatch(&nodes, reqs);
    // Add an empty, heavy, top-priority node: nobody moves to it.
    NodeView fresh;
    fresh.name = "fresh";
    fresh.priority = 100;
    fresh.weight = 1000;
    fresh.max_users = 1000000;
    nodes.push_back(fresh);
    for (size_t i = 0; i < reqs.size(); ++i) {
      PlacementRequest again = reqs[i];
      again.current_node = first[i]->node;
      Result<Placement> r = policy.Choose(nodes, again);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->kind, Placement::Kind::kStay);
      ASSERT_EQ(r->node, first[i]->node);
    }
  }
}

TEST(PlacementPropertyTest, PlansRespectBudgetAndCapacity) {
  std::mt19937_64 rng(1234);
  PlacementPolicy policy;
  MigrationPlanner planner(&policy);
  std::uniform_int_distribution<int> budget_d(0, 40), inflight_d(0, 10), coin(0, 3);
  for (int iter = 0; iter < 2000; ++iter) {
    Fleet f = RandomFleet(rng, iter % 2 == 0);
    std::vector<NodeView> nodes = f.nodes;
    auto placed = policy.PlaceBatch(&nodes, std::vector<PlacementRequest>(f.users_to_place));
    std::vector<PlacedUser> users;
    for (size_t i = 0; i < placed.size(); ++i) {
      if (placed[i].ok()) users.push_back({"u" + std::to_string(i), placed[i]->node, "", {}, {}});
    }
    std::set<std::string> evacuating;
    for (auto& n : nodes) {
      if (coin(rng) == 0) {
        n.evacuate_reason = "NodeDraining";
        evacuating.insert(n.name);
      }
    }
    int64_t must_leave = 0;
    for (const auto& u : users) must_leave += evacuating.count(u.node);
    int64_t budget = budget_d(rng), in_flight = inflight_d(rng);
    MigrationPlan plan = planner.PlanEvacuations(nodes, users, budget, in_flight);
    ASSERT_LE(static_cast<int64_t>(plan.moves.size()), std::max<int64_t>(0, budget - in_flight));
    ASSERT_EQ(static_cast<int64_t>(plan.moves.size() + plan.blocked.size()) + plan.deferred, must_leave);
    std::map<std::string, int64_t> after;
    for (const auto& n : nodes) after[n.name] = n.users;
    for (const auto& m : plan.moves) {
      ASSERT_TRUE(evacuating.count(m.from));
      ASSERT_FALSE(evacuating.count(m.to));
      ++after[m.to];
    }
    for (const auto& n : nodes) {
      ASSERT_LE(after[n.name], n.max_users) << "plan overfills " << n.name;
    }
  }
}

}  // namespace
}  // namespace x3ui::balancer
