// File: pkg/subscription/qr_svg.h
//
// A QR code (libqrencode, error correction M) as an inline SVG element: one path of unit
// squares on a white square with the 4-module quiet zone the standard asks for. Inline, so the
// subscription page needs no image requests and no script.
//
// Thread-safety: pure function (libqrencode's QRcode_encodeString is reentrant).
#ifndef X3UI_PKG_SUBSCRIPTION_QR_SVG_H_
#define X3UI_PKG_SUBSCRIPTION_QR_SVG_H_

#include <string>

namespace x3ui::subscription {

// "<svg …>…</svg>"; "" when the text does not fit in a QR code (over about 2,300 bytes).
std::string QrSvg(const std::string& text);

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_QR_SVG_H_
