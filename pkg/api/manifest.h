// File: pkg/api/manifest.h
//
// Loading YAML manifests (kubectl-style files, one or more `---`-separated documents) into the
// resource types. Scalars are resolved the way kubectl's YAML decoder (go-yaml v2, YAML 1.1)
// resolves them, so a manifest means here what it means to the API server: unquoted
// true/false/yes/no/on/off are booleans, unquoted numbers are numbers, quoted scalars are strings.
//
// Thread-safety: pure functions (LoadManifestFile reads the file system).
#ifndef X3UI_PKG_API_MANIFEST_H_
#define X3UI_PKG_API_MANIFEST_H_

#include <string>
#include <vector>

#include "pkg/api/types.h"
#include "pkg/common/status.h"

namespace x3ui::api {

struct Manifest {
  std::vector<VpnNode> nodes;
  std::vector<VpnAssignment> assignments;
  std::vector<VpnMigration> migrations;
  std::vector<Json> others;  // documents of other kinds (Secrets, Namespaces, ...), untouched
};

// Converts YAML text to one JSON value per non-empty document. Fails with InvalidArgument naming
// `source` and the line on a syntax error or a duplicate mapping key.
Result<std::vector<Json>> YamlToJsonDocuments(const std::string& text, const std::string& source);

// Parses, decodes and validates every document. x3ui.io documents must decode and validate; any
// problem fails the whole load with InvalidArgument whose message has one line per problem, such
// as "samples/bad.yaml: document 2 (VpnNode/fra-1): spec.capacity.maxUsers: must be at least 1",
// and whose field_errors() hold the bare field paths and messages in the same order.
Result<Manifest> LoadManifest(const std::string& text, const std::string& source);

// LoadManifest on the contents of `path` (NotFound if it cannot be read).
Result<Manifest> LoadManifestFile(const std::string& path);

}  // namespace x3ui::api

#endif  // X3UI_PKG_API_MANIFEST_H_
