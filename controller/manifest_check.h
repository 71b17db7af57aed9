// File: controller/manifest_check.h
//
// `x3ui-operator --validate PATH...`: checks VpnNode, VpnAssignment and VpnMigration manifests
// offline, the way the operator will judge them, and previews where the balancer would place each
// assignment if every node listed were Ready and empty. Meant for GitOps pipelines (lint before
// merge) and for trying a fleet layout without a cluster.
//
// Thread-safety: single-threaded helper of main.
#ifndef X3UI_CONTROLLER_MANIFEST_CHECK_H_
#define X3UI_CONTROLLER_MANIFEST_CHECK_H_

#include <ostream>
#include <string>
#include <vector>

#include "pkg/api/manifest.h"
#include "pkg/common/status.h"

namespace x3ui::controller {

// Loads every .yaml/.yml/.json file under `paths` (files, or directories read non-recursively, in
// name order) into one manifest. Returns the first file's error; later files are not read.
Result<api::Manifest> LoadManifests(const std::vector<std::string>& paths);

// Writes a summary and the placement preview of `m` to `out`. Returns FailedPrecondition when an
// assignment cannot be placed or pins a node the manifests do not define, so a pipeline fails.
Status PrintPlacementPreview(const api::Manifest& m, std::ostream& out);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_MANIFEST_CHECK_H_
