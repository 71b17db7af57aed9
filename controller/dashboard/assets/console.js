// The fleet console's page script. Every value from the server is put into the page with
// textContent, never parsed as markup, so a node or user name cannot inject any.
'use strict';

const byId = (id) => document.getElementById(id);

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.appendChild(c);
  return tr;
}

function td(text, className) { return el('td', text, className); }

function th(text) {
  const h = el('th', text);
  h.scope = 'row';
  return h;
}

function replaceRows(tableId, rows, emptyText, columns) {
  const body = byId(tableId).tBodies[0];
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const c = td(emptyText, 'hint');
    c.colSpan = columns;
    body.appendChild(row([c]));
  }
}

function age(since) {
  const t = Date.parse(since);
  if (!since || Number.isNaN(t)) return '—';
  let s = Math.max(0, Math.round((Date.now() - t) / 1000));
  const parts = [];
  for (const [unit, n] of [['d', 86400], ['h', 3600], ['m', 60]]) {
    if (s >= n) { parts.push(Math.floor(s / n) + unit); s %= n; }
  }
  if (parts.length < 2) parts.push(s + 's');
  return parts.slice(0, 2).join(' ');
}

// Users against capacity: a <meter> for the eye, the numbers as text for everyone.
function usage(users, capacity) {
  const c = td(null, 'usage');
  const m = document.createElement('meter');
  m.min = 0;
  m.max = Math.max(capacity, 1);
  m.value = Math.min(users, m.max);
  m.low = 0.7 * m.max;
  m.high = 0.9 * m.max;
  m.optimum = 0;
  m.setAttribute('aria-hidden', 'true');
  c.appendChild(m);
  c.appendChild(document.createTextNode(users + ' / ' + capacity));
  return c;
}

function phaseCell(phase, reason) {
  const c = td(null, 'phase phase-' + phase);
  c.appendChild(el('span', phase, 'phase-name'));
  if (reason && reason !== phase) c.appendChild(el('span', reason, 'reason'));
  return c;
}

function nodeName(ns, name) { return ns ? ns + '/' + name : name; }

function scheduling(n) {
  const flags = [];
  if (n.deleting) flags.push('deleting');
  if (n.draining) flags.push('draining');
  if (n.cordoned) flags.push('cordoned');
  return flags.length ? flags.join(', ') : (n.takesUsers ? 'takes users' : 'no new users');
}

function renderTiers(fleet) {
  const rows = [];
  for (const tier of fleet.tiers) {
    for (const r of tier.regions) {
      rows.push(row([th('priority ' + tier.priority), td(r.region || '(none)'),
        td(r.total.nodes + ' (' + r.total.ready + ')', 'num'), usage(r.total.users, r.total.capacity), td(r.total.free, 'num')]));
    }
    const all = row([th('priority ' + tier.priority + ' total'), td('all regions'),
      td(tier.total.nodes + ' (' + tier.total.ready + ')', 'num'), usage(tier.total.users, tier.total.capacity),
      td(tier.total.free, 'num')]);
    all.className = 'tier-total';
    rows.push(all);
  }
  replaceRows('tiers', rows, 'No VpnNodes.', 5);
}

function renderNodes(fleet) {
  const rows = fleet.nodes.map((n) => {
    const d = n.drift;
    const tr = row([th(nodeName(n.namespace, n.name)), phaseCell(n.phase, n.readyReason), usage(n.users, n.capacity),
      td(n.priority, 'num'), td(n.weight, 'num'), td(n.region || '—'), td(n.latencyMs + ' ms', 'num'),
      td(n.flavor || '—'), td(n.xrayVersion || '—'), td(n.panel || '—'),
      td(d.missing + ', ' + d.stale + ', ' + d.extra + ', ' + d.foreign, 'num'), td(scheduling(n))]);
    tr.dataset.node = nodeName(n.namespace, n.name);
    return tr;
  });
  replaceRows('nodes', rows, 'No VpnNodes.', 12);
}

function renderMoves(moves) {
  const rows = moves.moves.map((m) => row([th(nodeName(m.namespace, m.user)), td(m.state, 'state-' + m.state),
    td(m.from || '—'), td(m.to || 'balancer chooses'), td(m.reason), td(age(m.since), 'num'), td(m.message)]));
  replaceRows('moves', rows, 'No move in progress or in the last hour.', 7);
  byId('moves-count').textContent = moves.movesTotal > moves.moves.length
    ? 'Showing ' + moves.moves.length + ' of ' + moves.movesTotal + ' moves.' : '';
}

function planTable(plan) {
  const details = el('details');
  details.appendChild(el('summary', plan.length + ' move(s)'));
  const t = el('table');
  const head = row(['User', 'From', 'To', 'Reason'].map((h) => { const c = el('th', h); c.scope = 'col'; return c; }));
  t.createTHead().appendChild(head);
  const body = t.createTBody();
  for (const p of plan) body.appendChild(row([th(p.user), td(p.from), td(p.to || '—'), td(p.reason)]));
  details.appendChild(t);
  return details;
}

function renderMigrations(moves) {
  const rows = moves.migrations.map((m) => {
    const plan = td(null);
    plan.appendChild(planTable(m.plan));
    return row([th(nodeName(m.namespace, m.name) + (m.dryRun ? ' (dry run)' : '')), phaseCell(m.phase, ''),
      td(m.from || '—'), td(m.to || 'balancer chooses'), td(m.planned, 'num'), td(m.migrated, 'num'),
      td(m.failed, 'num'), td(m.reason ? m.reason + ': ' + m.message : '—'), plan]);
  });
  replaceRows('migrations', rows, 'No VpnMigrations.', 9);
}

let last = null;
let lastEventAt = 0;

function render(snapshot) {
  last = snapshot;
  const t = snapshot.fleet.total;
  byId('totals').textContent = t.nodes + ' nodes (' + t.ready + ' Ready), ' + t.users + ' users of ' + t.capacity +
    ' places, ' + t.free + ' free; ' + snapshot.assignments + ' assignments' +
    (snapshot.synced ? '' : ' — caches not synced yet (a replica that does not lead starts them when it leads)');
  renderTiers(snapshot.fleet);
  renderNodes(snapshot.fleet);
  renderMoves(snapshot.moves);
  renderMigrations(snapshot.moves);
}

function setLive(state, text) {
  const live = byId('live');
  live.dataset.state = state;
  live.textContent = text;
}

function conditionList(conditions) {
  const c = td(null);
  const ul = el('ul', null, 'conditions');
  for (const k of conditions) ul.appendChild(el('li', k.type + '=' + k.status + ' ' + k.reason + (k.message ? ': ' + k.message : '')));
  c.appendChild(ul);
  return c;
}

async function lookup(event) {
  event.preventDefault();
  const q = byId('q').value.trim();
  const status = byId('lookup-status');
  if (!q) return;
  status.textContent = 'Searching…';
  try {
    const reply = await fetch('/api/users?q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' } });
    if (!reply.ok) throw new Error('HTTP ' + reply.status);
    const found = await reply.json();
    const rows = found.users.map((u) => {
      const move = u.move ? u.move.state + ': ' + (u.move.from || '—') + ' → ' + (u.move.to || 'balancer chooses') + ' (' + u.move.reason + ')' : '—';
      const tr = row([th(nodeName(u.namespace, u.name)), td(u.email), td(u.node || '—'), td(u.nodePhase || '—'),
        phaseCell(u.phase, ''), td(u.migrations + (u.inMigrations.length ? ' (in ' + u.inMigrations.join(', ') + ')' : ''), 'num'),
        td(move), conditionList(u.conditions)]);
      tr.dataset.user = nodeName(u.namespace, u.name);
      return tr;
    });
    replaceRows('users', rows, 'No user matches.', 8);
    byId('users').hidden = false;
    status.textContent = found.matched + ' user(s) match' + (found.matched > found.users.length ? '; showing ' + found.users.length : '') + '.';
  } catch (e) {
    status.textContent = 'Lookup failed: ' + e.message;
  }
}

function start() {
  byId('lookup').addEventListener('submit', lookup);
  fetch('/api/fleet').then((r) => r.json()).then((s) => { if (!last) render(s); }).catch(() => {});
  // Each response of /events carries one snapshot and ends; EventSource reconnects by itself
  // (retry: 1000) with the id it holds, and the server answers when the fleet has changed.
  const events = new EventSource('/events');
  events.onmessage = (e) => { lastEventAt = Date.now(); render(JSON.parse(e.data)); setLive('live', 'Live'); };
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) setLive('down', 'Disconnected: reload the page'); };
  // Ages move on between events; and the server answers every stream within about 10 s, so a
  // longer silence means the connection (a port-forward, say) is gone.
  setInterval(() => {
    if (last) renderMoves(last.moves);
    if (lastEventAt && Date.now() - lastEventAt > 15000) setLive('down', 'Reconnecting…');
  }, 5000);
}

document.addEventListener('DOMContentLoaded', start);
