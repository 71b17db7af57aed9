// File: pkg/x3ui/http_transport.h
//
// HttpTransport: one HTTP exchange with one server, the seam between the panel client and the
// network. The cpprestsdk implementation catches every exception it can raise and reports
//   Unavailable        connection refused, reset, TLS failure, DNS failure
//   DeadlineExceeded   no complete reply within the timeout, which bounds the whole exchange
//                      (connect, TLS, request, head and body): a server that sends a byte now
//                      and then is cut off at the deadline (the request is canceled, which
//                      closes the connection); also at the request's `not_after`
//   ResourceExhausted  a body larger than the limit (the download is stopped and the
//                      connection closed, so the rest is never buffered), or headers over
//                      kMaxHeaderBytes
//   InvalidArgument    a request path that is not a valid URI; at creation, a malformed URL
//                      or a CA bundle that is not PEM certificates (reason CaInvalid)
// No message quotes the request path or the base URL's path.
// Tests substitute a scripted transport.
//
// Thread-safety: Send may be called concurrently.
#ifndef X3UI_PKG_X3UI_HTTP_TRANSPORT_H_
#define X3UI_PKG_X3UI_HTTP_TRANSPORT_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/x3ui/limits.h"

namespace x3ui::panel {

struct HttpRequest {
  std::string method;  // GET, POST
  std::string path;    // path and query, relative to the transport's base URL (no leading '/')
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The request is canceled at this time even when its timeout has not passed yet (a fenced
  // transport sets the fence's deadline here, so nothing is sent after leadership is in doubt).
  std::chrono::steady_clock::time_point not_after = std::chrono::steady_clock::time_point::max();
};

struct HttpResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // The first value of header `name` (lower-case), or "".
  std::string Header(const std::string& name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct TransportOptions {
  std::string base_url;               // scheme://host:port/base/ (the panel's web base path)
  std::chrono::milliseconds timeout{10000};  // the total time one request may take
  // The CAs trusted (PEM), replacing the system roots (pinning); empty: the system roots.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  size_t max_body_bytes = kMaxReplyBytes;  // a longer body is refused and its download stopped
};

// A transport over cpprestsdk's http_client. Fails with InvalidArgument for a malformed URL or
// a CA bundle that is not PEM certificates (reason CaInvalid).
Result<std::unique_ptr<HttpTransport>> NewCppRestTransport(const TransportOptions& options);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_HTTP_TRANSPORT_H_
