// File: pkg/common/random.h
//
// Random identifiers for VPN client credentials, from the operating system's generator
// (std::random_device, getrandom(2) on Linux).
//
// Thread-safety: safe to call concurrently.
#ifndef X3UI_PKG_COMMON_RANDOM_H_
#define X3UI_PKG_COMMON_RANDOM_H_

#include <string>

namespace x3ui {

// A random (version 4) UUID, lower-case: "3f2b8c1e-9d4a-4f6b-8e2c-1a2b3c4d5e6f".
std::string NewUuidV4();
// `n` characters from A-Z a-z 0-9 (about 5.95 bits each).
std::string RandomToken(size_t n);

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_RANDOM_H_
