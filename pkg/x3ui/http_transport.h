// File: pkg/x3ui/http_transport.h
//
// HttpTransport: one HTTP exchange with one server, the seam between the panel client and the
// network. The cpprestsdk implementation catches every exception it can raise and reports
//   Unavailable        connection refused, reset, TLS failure, DNS failure
//   DeadlineExceeded   no byte for longer than the timeout
//   ResourceExhausted  a body larger than the limit (the download is stopped and the
//                      connection closed, so the rest is never buffered), or headers over
//                      kMaxHeaderBytes
//   InvalidArgument    a request path that is not a valid URI
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
  std::chrono::milliseconds timeout{10000};
  std::string ca_pem;                 // extra trusted CA bundle (PEM); empty: system roots only
  bool insecure_skip_tls_verify = false;
  size_t max_body_bytes = kMaxReplyBytes;  // a longer body is refused and its download stopped
};

// A transport over cpprestsdk's http_client. Fails with InvalidArgument for a malformed URL.
Result<std::unique_ptr<HttpTransport>> NewCppRestTransport(const TransportOptions& options);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_HTTP_TRANSPORT_H_
