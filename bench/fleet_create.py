#!/usr/bin/env python3
"""Creates N VpnAssignments at once through the kube-apiserver's REST API (parallel POSTs), for
bench/fleet.sh. Usage: fleet_create.py API_URL TOKEN CA_FILE NAMESPACE N [PREFIX] [THREADS]"""
import json
import ssl
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

api, token, ca, ns, n = sys.argv[1:6]
prefix = sys.argv[6] if len(sys.argv) > 6 else "u"
threads = int(sys.argv[7]) if len(sys.argv) > 7 else 16
ctx = ssl.create_default_context(cafile=ca)
url = f"{api}/apis/x3ui.io/v1alpha1/namespaces/{ns}/vpnassignments"


def create(i):
    body = {"apiVersion": "x3ui.io/v1alpha1", "kind": "VpnAssignment",
            "metadata": {"name": f"{prefix}{i:06d}"},
            "spec": {"user": {"id": str(i), "email": f"{prefix}{i}@example.com"}}}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
        return r.status


with ThreadPoolExecutor(max_workers=threads) as pool:
    codes = list(pool.map(create, range(int(n))))
bad = [c for c in codes if c != 201]
print(json.dumps({"created": len(codes) - len(bad), "failed": len(bad)}))
sys.exit(1 if bad else 0)
