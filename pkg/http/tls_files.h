// File: pkg/http/tls_files.h
//
// TlsFiles: the certificate chain and private key an HttpServer serves TLS with, read from PEM
// files (in a pod: a kubernetes.io/tls Secret mounted as tls.crt and tls.key). Renewals (the
// kubelet rewrites a mounted Secret's files when cert-manager renews it) are picked up without a
// restart: Current() reloads when a file's modification time or size changed, looking at most
// once per `recheck`; a reload that fails keeps the last good context and is logged, so a
// half-written renewal never takes the server down. Key material is never logged, nor is the
// content of a file that does not parse.
//
// Thread-safety: every method may be called from any thread.
#ifndef X3UI_PKG_HTTP_TLS_FILES_H_
#define X3UI_PKG_HTTP_TLS_FILES_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include <utility>  // before boost::asio, which uses std::exchange

#include <boost/asio/ssl/context.hpp>

#include "pkg/common/status.h"

namespace x3ui::http {

class TlsFiles {
 public:
  TlsFiles(std::string cert_file, std::string key_file,
           std::chrono::milliseconds recheck = std::chrono::seconds(10));

  // The first load. InvalidArgument naming the file that cannot be read or does not hold a
  // certificate chain or a key matching it.
  [[nodiscard]] Status Load();
  // The context new connections use (null before a successful Load).
  std::shared_ptr<boost::asio::ssl::context> Current();

 private:
  // A file's modification time (ns) and size; -1, -1 when it cannot be read.
  struct FileStamp {
    int64_t mtime = -1, size = -1;
    bool operator==(const FileStamp&) const = default;
  };
  static FileStamp StampOf(const std::string& file);
  struct Stamp {
    FileStamp cert, key;
    bool operator==(const Stamp&) const = default;
  };
  Stamp StampNow() const;
  Result<std::shared_ptr<boost::asio::ssl::context>> Build() const;

  const std::string cert_file_, key_file_;
  const std::chrono::milliseconds recheck_;
  std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;  // guarded by mu_
  Stamp stamp_;                                         // guarded by mu_: of current_'s files
  std::chrono::steady_clock::time_point next_check_;    // guarded by mu_
};

}  // namespace x3ui::http

#endif  // X3UI_PKG_HTTP_TLS_FILES_H_
