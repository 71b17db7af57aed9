#!/usr/bin/env python3
"""The Kubernetes side of bench/fleet.sh, through the kube-apiserver's REST API.

  fleet_kube.py API TOKEN CA create NAMESPACE N [PREFIX] [THREADS]
      creates N VpnAssignments at once (parallel POSTs); prints {"created", "failed"}.
  fleet_kube.py API TOKEN CA failover NAMESPACE NODE SIM_CONTROL PANEL [TIMEOUT]
      takes panel PANEL down through x3ui-sim's control API, waits until VpnNode NODE is
      Unreachable, then until no assignment is left on NODE or not Ready; prints the times and
      the number of users without a working placement, sampled over time.
  fleet_kube.py API TOKEN CA subscribers NAMESPACE N OUT [THREADS]
      for bench/subscriptions.sh: a Ready VpnNode n1 and N users as the operator leaves them (a
      VpnAssignment on n1, Ready, and its credentials Secret with two links and a subscription
      token); writes "NAME TOKEN" lines to OUT.
"""
import base64
import http.client
import secrets
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


def subscribers(ns, n, out, threads=16):
    host = urllib.parse.urlsplit(api)
    local = threading.local()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def send(method, path, body):
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPSConnection(host.hostname, host.port, context=ctx, timeout=60)
        local.conn.request(method, path, json.dumps(body), headers)
        r = local.conn.getresponse()
        return r.status, json.loads(r.read() or b"null")

    base = f"/apis/x3ui.io/v1alpha1/namespaces/{ns}"
    node = {"apiVersion": "x3ui.io/v1alpha1", "kind": "VpnNode", "metadata": {"name": "n1"},
            "spec": {"panel": {"url": "https://panel.example.com/", "credentialsSecretRef": {"name": "panel"}},
                     "publicHost": "n1.example.com", "capacity": {"maxUsers": 1000000},
                     "inbounds": [{"name": "reality", "id": 1, "protocol": "vless"},
                                  {"name": "trojan", "id": 2, "protocol": "trojan"}]}}
    code, created = send("POST", f"{base}/vpnnodes", node)
    assert code == 201, (code, created)
    # The endpoints the operator publishes; the server builds each user's two links from them.
    created["status"] = {"phase": "Ready", "inbounds": [
        {"name": "reality", "protocol": "vless", "remark": "n1", "address": "n1.example.com", "port": 443,
         "params": {"type": "tcp", "security": "reality", "pbk": "PUBKEY", "fp": "chrome", "sni": "www.example.org",
                    "sid": "ab12", "encryption": "none"}},
        {"name": "trojan", "protocol": "trojan", "remark": "n1", "address": "n1.example.com", "port": 8443,
         "params": {"type": "ws", "security": "tls", "path": "/ws"}}]}
    assert send("PUT", f"{base}/vpnnodes/n1/status", created)[0] == 200

    def one(i):
        name = f"u{i:06d}"
        a = {"apiVersion": "x3ui.io/v1alpha1", "kind": "VpnAssignment", "metadata": {"name": name},
             "spec": {"user": {"id": str(i), "email": f"{name}@example.com"}, "limits": {"totalBytes": 10 << 30}}}
        code, a = send("POST", f"{base}/vpnassignments", a)
        if code != 201:
            return None
        a["status"] = {"phase": "Ready", "nodeName": "n1"}
        if send("PUT", f"{base}/vpnassignments/{name}/status", a)[0] != 200:
            return None
        tok = secrets.token_urlsafe(24)[:32]
        uid = a["metadata"]["uid"]
        secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                  "metadata": {"name": f"{name}-vpn", "labels": {"x3ui.io/user-credentials": "true"},
                               "ownerReferences": [{"apiVersion": "x3ui.io/v1alpha1", "kind": "VpnAssignment",
                                                    "name": name, "uid": uid, "controller": True}]},
                  "data": {k: base64.b64encode(v.encode()).decode() for k, v in
                           {"subscriptionToken": tok, "uuid": uid, "password": tok[:16]}.items()}}
        if send("POST", f"/api/v1/namespaces/{ns}/secrets", secret)[0] != 201:
            return None
        return f"{name} {tok}"

    with ThreadPoolExecutor(max_workers=int(threads)) as pool:
        lines = list(pool.map(one, range(int(n))))
    good = [l for l in lines if l]
    with open(out, "w") as f:
        f.write("\n".join(good) + "\n")
    print(json.dumps({"created": len(good), "failed": len(lines) - len(good)}))
    return 0 if len(good) == len(lines) else 1


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


sys.exit({"create": create, "failover": failover, "subscribers": subscribers}[cmd](*args))
