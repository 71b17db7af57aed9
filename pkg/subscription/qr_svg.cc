#include "pkg/subscription/qr_svg.h"

#include <qrencode.h>

#include <memory>

namespace x3ui::subscription {
namespace {

constexpr int kQuietZone = 4;

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

// "M x yh1v1h-1z" for every dark module: the bit 0 of each byte of QRcode::data.
std::string DarkModulesPath(const QRcode& q) {
  std::string d;
  for (int y = 0; y < q.width; ++y) {
    for (int x = 0; x < q.width; ++x) {
      if (q.data[y * q.width + x] & 1) {
        // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
        // "literal" + std::string&&, and the Release build treats warnings as errors.
        d += 'M';
        d += std::to_string(x + kQuietZone);
        d += ' ';
        d += std::to_string(y + kQuietZone);
        d += "h1v1h-1z";
      }
    }
  }
  return d;
}

}  // namespace

std::string QrSvg(const std::string& text) {
  std::unique_ptr<QRcode, QrFree> q(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M));
  if (!q) return "";
  const std::string size = std::to_string(q->width + 2 * kQuietZone);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 ";
  for (const std::string& part : {size, std::string(" "), size,
                                  std::string("\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\"><rect width=\""),
                                  size, std::string("\" height=\""), size,
                                  std::string("\" fill=\"#fff\"/><path fill=\"#000\" d=\""), DarkModulesPath(*q),
                                  std::string("\"/></svg>")}) {
    svg += part;
  }
  return svg;
}

}  // namespace x3ui::subscription
