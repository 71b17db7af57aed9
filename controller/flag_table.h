// File: controller/flag_table.h
//
// A table of command-line flags for one options struct (each flag's help line, whether it is a
// boolean, and how it sets the struct from its text), argv parsed against it, and the help text
// it prints. The operator's flags (options.cc) and the subscription server's
// (subscriptions_options.cc) are two such tables, so both accept the same spellings and report
// errors alike: --flag=value and --flag value, a bare --flag for a boolean, and InvalidArgument
// naming the flag for an unknown flag or a missing or malformed value. Parsing never exits.
//
// Thread-safety: plain values and pure functions.
#ifndef X3UI_CONTROLLER_FLAG_TABLE_H_
#define X3UI_CONTROLLER_FLAG_TABLE_H_

#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "pkg/common/status.h"

namespace x3ui::controller {

template <typename T>
struct FlagSpec {
  std::string help;
  bool is_bool = false;
  std::function<Status(T*, const std::string&)> set;
};

template <typename T>
using FlagTable = std::map<std::string, FlagSpec<T>>;

// Sets `out` from args[first...] by the table.
template <typename T>
[[nodiscard]] Status ParseFlags(const FlagTable<T>& table, const std::vector<std::string>& args, size_t first, T* out) {
  for (size_t i = first; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 && !(arg.size() > 1 && arg[0] == '-')) {
      return Status::InvalidArgument("unexpected argument \"" + arg + "\"; flags start with --");
    }
    const std::string body = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
    const size_t eq = body.find('=');
    const std::string name = body.substr(0, eq);
    auto it = table.find(name);
    if (it == table.end()) return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    std::string value;
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
    } else if (it->second.is_bool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument("--" + name + ": needs a value");
    }
    if (Status s = it->second.set(out, value); !s.ok()) return s;
  }
  return Status::Ok();
}

// "  --name value\n      help\n" for each flag, in name order.
template <typename T>
std::string FlagHelp(const FlagTable<T>& table) {
  std::ostringstream out;
  for (const auto& [name, flag] : table) out << "  --" << name << (flag.is_bool ? "" : " value") << "\n      " << flag.help << "\n";
  return out.str();
}

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_FLAG_TABLE_H_
