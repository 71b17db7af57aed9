#!/usr/bin/env python3
"""The invariants operator_chaos_test.sh checks once the faults are over, read from the systems
themselves (x3ui-sim's control API, kubectl, psql, the processes' output).

  chaos_check.py foreign PANELS.json NS
      Prints the clients the operator does not own, one canonical JSON line each (panel, inbound,
      client): the snapshot taken before the chaos, and the same listing after it.
  chaos_check.py converged NS USERS LIMIT PANELS.json ASSIGNMENTS.json SECRETS.json LEDGER.txt FOREIGN.txt
      Exits 0 when every one of USERS assignments is Ready; each user has exactly one set of owned
      clients (one per inbound, with its own keys and limitIp LIMIT), all on the node its status
      names and nowhere else; the ledger (psql "assignment|node" lines of the active rows) has
      exactly one active row per user, on that node; and the foreign clients are exactly those of
      the snapshot. Otherwise prints what is wrong (the first few of each kind) and exits 1.
  chaos_check.py needles SECRETS.json EXTRA...
      Prints every credential to look for, one per line: each user's uuid, password and subId from
      their Secrets, and the EXTRA values (panel passwords and tokens, the database password), each
      also base64-encoded, as a Secret's data carries it.
  chaos_check.py leaks NEEDLES.txt FILE...
      Exits 1, naming the file and the kind of value (never the value), when a FILE contains a
      needle (case-insensitively: a UUID may be printed upper case).
"""
import base64
import json
import re
import sys

# The operator marks a client it owns twice: the email "<inbound>.<assignment>@<namespace>.x3ui"
# and the comment "x3ui-operator:<namespace>/<assignment>". A client with only one of them is
# foreign (someone imitating the pattern), and must be left alone.
def owner(ns, client):
    m = re.fullmatch(r"([a-z0-9-]+)\.([a-z0-9-]+)@" + re.escape(ns) + r"\.x3ui", client.get("email", ""))
    if m and client.get("comment", "") == "x3ui-operator:%s/%s" % (ns, m.group(2)):
        return m.group(2)
    return None


def clients(panels):
    for p in panels:
        for i in p["inbounds"]:
            for c in i["clients"]:
                yield p["name"], i["id"], i.get("protocol", ""), c


def load(path):
    with open(path) as f:
        return json.load(f)


def foreign(panels_path, ns):
    for panel, inbound, _, c in clients(load(panels_path)):
        if owner(ns, c) is None:
            print(json.dumps({"panel": panel, "inbound": inbound, "client": c}, sort_keys=True))


def secret_keys(secrets):
    """{assignment: {"uuid", "password", "subId"}} from the users' <name>-vpn Secrets."""
    out = {}
    for s in secrets["items"]:
        name = s["metadata"]["name"]
        if not name.endswith("-vpn"):
            continue
        data = s.get("data") or {}
        out[name[: -len("-vpn")]] = {k: base64.b64decode(v).decode() for k, v in data.items()
                                    if k in ("uuid", "password", "subId")}
    return out


def converged(ns, users, limit, panels_path, va_path, secrets_path, ledger_path, foreign_path):
    problems = {}

    def problem(kind, text):
        problems.setdefault(kind, []).append(text)

    items = load(va_path)["items"]
    node_of = {}
    for a in items:
        name, st = a["metadata"]["name"], a.get("status") or {}
        node_of[name] = st.get("nodeName", "")
        if st.get("phase") != "Ready":
            problem("not Ready", "%s is %s on %r" % (name, st.get("phase"), node_of[name]))
    if len(items) != users:
        problem("assignments", "%d assignments, want %d" % (len(items), users))

    keys = secret_keys(load(secrets_path))
    owned = {}
    for panel, inbound, protocol, c in clients(load(panels_path)):
        name = owner(ns, c)
        if name is not None:
            owned.setdefault(name, []).append((panel, inbound, protocol, c))
    for name in sorted(set(owned) - set(node_of)):
        problem("orphans", "%s (no assignment) has clients on %s" % (name, sorted({p for p, *_ in owned[name]})))
    for name, node in sorted(node_of.items()):
        have = owned.get(name, [])
        where = sorted((p, i) for p, i, *_ in have)
        if where != [(node, 1), (node, 2)]:
            problem("client sets", "%s (status: %r) has owned clients at %s" % (name, node, where))
            continue
        k = keys.get(name, {})
        for _, inbound, protocol, c in have:
            key = c.get("password") if protocol == "trojan" else c.get("id")
            want = k.get("password") if protocol == "trojan" else k.get("uuid")
            if not want or key != want or c.get("subId") != k.get("subId"):
                problem("keys", "%s: the client on %s inbound %d does not carry the Secret's keys" % (name, node, inbound))
            if not c.get("enable", False):
                problem("disabled", "%s: the client on %s inbound %d is disabled" % (name, node, inbound))
            if c.get("limitIp") != limit:
                problem("limits", "%s: limitIp %r on %s inbound %d, want %d" % (name, c.get("limitIp"), node, inbound, limit))

    rows = {}
    with open(ledger_path) as f:
        for line in f:
            if line.strip():
                assignment, node = line.strip().split("|")
                rows.setdefault(assignment, []).append(node)
    for name, node in sorted(node_of.items()):
        if rows.get(name, []) != [node]:
            problem("ledger", "%s: active rows on %s, status says %r" % (name, rows.get(name, []), node))
    for name in sorted(set(rows) - set(node_of)):
        problem("ledger", "%s: active rows on %s, but no such assignment" % (name, rows[name]))

    with open(foreign_path) as f:
        before = {line.strip() for line in f if line.strip()}
    after = set()
    for panel, inbound, _, c in clients(load(panels_path)):
        if owner(ns, c) is None:
            after.add(json.dumps({"panel": panel, "inbound": inbound, "client": c}, sort_keys=True))
    for line in sorted(before - after):
        problem("foreign", "changed or gone: " + line)
    for line in sorted(after - before):
        problem("foreign", "appeared: " + line)

    for kind, texts in problems.items():
        print("%s: %d, e.g. %s" % (kind, len(texts), "; ".join(texts[:4])))
    return 1 if problems else 0


def needles(secrets_path, extra):
    values = {}
    for name, k in secret_keys(load(secrets_path)).items():
        for field, v in k.items():
            values[v] = "a user's " + field
    for v in extra:
        values[v] = "a panel or database credential"
    for v, kind in sorted(values.items()):
        if len(v) < 8:  # too short to be a credential, and would match by chance
            continue
        print("%s\t%s" % (v, kind))
        print("%s\t%s (base64)" % (base64.b64encode(v.encode()).decode(), kind))


def leaks(needles_path, files):
    with open(needles_path) as f:
        pairs = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    found = 0
    for path in files:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace").lower()
        kinds = sorted({kind for value, kind in pairs if value.lower() in text})
        for kind in kinds:
            print("%s holds %s" % (path, kind))
            found += 1
    return 1 if found else 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "foreign" and len(argv) == 4:
        foreign(argv[2], argv[3])
        return 0
    if cmd == "converged" and len(argv) == 10:
        return converged(argv[2], int(argv[3]), int(argv[4]), *argv[5:10])
    if cmd == "needles" and len(argv) >= 3:
        needles(argv[2], argv[3:])
        return 0
    if cmd == "leaks" and len(argv) >= 4:
        return leaks(argv[2], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
