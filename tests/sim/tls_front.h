// File: tests/sim/tls_front.h
//
// TlsFront: serves a plain-HTTP backend (an x3ui-sim panel's port) over TLS on a loopback port,
// as a panel behind a TLS-terminating proxy is reached. Each accepted connection completes a
// TLS handshake with the given certificate, then its bytes are piped both ways to a new
// connection to the backend; either side closing closes both.
//
// Ownership: owns its io_context thread and sockets. Thread-safety: Start and Stop from one
// thread (not from the front's own).
#ifndef X3UI_TESTS_SIM_TLS_FRONT_H_
#define X3UI_TESTS_SIM_TLS_FRONT_H_

#include <memory>
#include <string>
#include <thread>

#include "pkg/common/status.h"

namespace x3ui::sim {

class TlsFront {
 public:
  // `cert_pem` (the chain, leaf first) and `key_pem` are the server's; `port` is where to listen
  // (127.0.0.1) and `backend_port` the plain-HTTP server behind it (127.0.0.1).
  TlsFront(std::string cert_pem, std::string key_pem, int port, int backend_port);
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  // InvalidArgument for a certificate or key that does not load, Unavailable if the port is taken.
  [[nodiscard]] Status Start();
  void Stop();

 private:
  struct Runtime;
  const std::string cert_pem_, key_pem_;
  const int port_, backend_port_;
  std::unique_ptr<Runtime> rt_;
};

}  // namespace x3ui::sim

#endif  // X3UI_TESTS_SIM_TLS_FRONT_H_
