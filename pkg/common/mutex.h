// File: pkg/common/mutex.h
//
// Mutex and MutexLock: std::mutex and std::lock_guard with clang's thread-safety attributes, so
// that `GUARDED_BY(mu_)` on a member and `REQUIRES(mu_)` on a function are checked by the
// compiler (clang -Wthread-safety, run by hack/thread-safety.sh in the test suite). Under GCC
// the attributes are empty and these are the standard types.
//
// Thread-safety: a mutex.
#ifndef X3UI_PKG_COMMON_MUTEX_H_
#define X3UI_PKG_COMMON_MUTEX_H_

#include <mutex>

#if defined(__clang__)
#define X3UI_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define X3UI_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) X3UI_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY X3UI_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) X3UI_THREAD_ANNOTATION(guarded_by(x))
#define REQUIRES(...) X3UI_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) X3UI_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) X3UI_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace x3ui {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_MUTEX_H_
