#!/usr/bin/env python3
"""The Kubernetes side of bench/fleet.sh, through the kube-apiserver's REST API.

  fleet_kube.py API TOKEN CA create NAMESPACE N [PREFIX] [THREADS]
      creates N VpnAssignments at once (parallel POSTs); prints {"created", "failed"}.
  fleet_kube.py API TOKEN CA failover NAMESPACE NODE SIM_CONTROL PANEL [TIMEOUT]
      takes panel PANEL down through x3ui-sim's control API, waits until VpnNode NODE is
      Unreachable, then until no assignment is left on NODE or not Ready; prints the times and
      the number of users without a working placement, sampled over time.
"""
import http.client
import json
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

api, token, ca, cmd = sys.argv[1:5]
args = sys.argv[5:]
ctx = ssl.create_default_context(cafile=ca)
group = f"{api}/apis/x3ui.io/v1alpha1/namespaces"


def call(url, method="GET", body=None):
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
        return r.status, json.loads(r.read() or b"null")


def create(ns, n, prefix="u", threads=16):
    host = urllib.parse.urlsplit(api)
    path = f"/apis/x3ui.io/v1alpha1/namespaces/{ns}/vpnassignments"
    local = threading.local()

    def one(i):
        # One kept-alive connection per thread: a TLS handshake per object would be the bottleneck.
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPSConnection(host.hostname, host.port, context=ctx, timeout=60)
        body = {"apiVersion": "x3ui.io/v1alpha1", "kind": "VpnAssignment", "metadata": {"name": f"{prefix}{i:06d}"},
                "spec": {"user": {"id": f"{prefix}{i}", "email": f"{prefix}{i}@example.com"}}}
        local.conn.request("POST", path, json.dumps(body), {"Authorization": f"Bearer {token}",
                                                            "Content-Type": "application/json"})
        r = local.conn.getresponse()
        r.read()
        return r.status

    with ThreadPoolExecutor(max_workers=int(threads)) as pool:
        codes = list(pool.map(one, range(int(n))))
    bad = [c for c in codes if c != 201]
    print(json.dumps({"created": len(codes) - len(bad), "failed": len(bad)}))
    return 1 if bad else 0


def ready(a):
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in a.get("status", {}).get("conditions", []))


def failover(ns, node, control, panel, timeout=300):
    timeout = float(timeout)
    assignments = f"{group}/{ns}/vpnassignments"
    on_node = sum(1 for a in call(assignments)[1]["items"] if a.get("status", {}).get("nodeName") == node)
    req = urllib.request.Request(f"{control}/panels/{panel}/faults", data=b'{"outage":true}', method="PUT")
    urllib.request.urlopen(req, timeout=10).read()
    t_down = time.monotonic()
    while call(f"{group}/{ns}/vpnnodes/{node}")[1].get("status", {}).get("phase") != "Unreachable":
        if time.monotonic() - t_down > timeout:
            raise SystemExit(f"{node} was not declared Unreachable within {timeout} s")
        time.sleep(0.05)
    t_unreachable = time.monotonic()
    series = []
    while True:
        items = call(assignments)[1]["items"]
        stranded = sum(1 for a in items if a.get("status", {}).get("nodeName") == node or not ready(a))
        t = time.monotonic() - t_unreachable
        series.append([round(t, 2), stranded])
        if stranded == 0:
            break
        if t > timeout:
            raise SystemExit(f"{stranded} users still without a working placement after {timeout} s")
        time.sleep(0.25)
    print(json.dumps({"users_on_node": on_node, "seconds_down_to_unreachable": round(t_unreachable - t_down, 2),
                      "seconds_unreachable_to_all_ready": series[-1][0], "without_placement": series}))
    return 0


sys.exit({"create": create, "failover": failover}[cmd](*args))
