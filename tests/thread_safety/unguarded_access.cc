// Must NOT compile under hack/thread-safety.sh: proves the analysis is on. A member guarded by a
// mutex is read without it.
#include "pkg/common/mutex.h"

namespace x3ui {
class Counter {
 public:
  int Read() const { return value_; }  // the error the check must report

 private:
  mutable Mutex mu_;
  int value_ GUARDED_BY(mu_) = 0;
};
int Use() { return Counter().Read(); }
}  // namespace x3ui
