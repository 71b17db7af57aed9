// File: controller/placement_index.h
//
// PlacementIndex: which node each assignment is counted on, indexed both ways, so that the
// placement policy's per-node counts (asked for every node on every reconcile) cost a lookup
// instead of a scan of every user.
//
// Thread-safety: none; the owner locks.
#ifndef X3UI_CONTROLLER_PLACEMENT_INDEX_H_
#define X3UI_CONTROLLER_PLACEMENT_INDEX_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace x3ui::controller {

class PlacementIndex {
 public:
  // Counts assignment `user` ("ns/name") on `node` ("ns/node"), instead of where it was.
  void Set(const std::string& user, const std::string& node);
  void Erase(const std::string& user);
  int64_t UsersOn(const std::string& node) const;
  // The names (without namespace) of the assignments counted on `node`.
  std::vector<std::string> NamesOn(const std::string& node) const;

 private:
  std::map<std::string, std::string> node_of_;
  std::map<std::string, std::set<std::string>> users_of_;
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_PLACEMENT_INDEX_H_
