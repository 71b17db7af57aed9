// Reading the KEY=value env files that hack/postgres.sh and hack/control-plane.sh write.
#ifndef X3UI_TESTS_SUPPORT_ENV_FILE_H_
#define X3UI_TESTS_SUPPORT_ENV_FILE_H_

#include <fstream>
#include <string>

namespace x3ui::testing {

// The value of KEY in the env file at `path`; empty when absent.
inline std::string ReadEnvFile(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return "";
}

}  // namespace x3ui::testing

#endif  // X3UI_TESTS_SUPPORT_ENV_FILE_H_
