/**
 * The live map page, served as is by server.ts: one HTML document with its style and script inline
 * (no bundler, no CDN — the map must work on a laptop without internet). The script draws the floor
 * plan from the `hello` message in metres (SVG viewBox = the floor), moves shoppers on `positions`,
 * lights a display for each interaction its sensor reports, and keeps four short feeds. Text from the
 * stream goes in with textContent only, never as HTML.
 */
export const MAP_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Touchpoint — live store map</title>
<style>
  :root { font: 14px/1.35 system-ui, sans-serif; color: #1d2733; background: #f4f6f8; }
  body { margin: 0; }
  header { display: flex; gap: 1.5rem; align-items: baseline; padding: .6rem 1rem; background: #1d2733; color: #fff; flex-wrap: wrap; }
  header h1 { font-size: 1.1rem; margin: 0; }
  #status[data-state="live"] { color: #7ee2a8; } #status[data-state="closed"] { color: #ffb4a8; }
  dl { display: flex; gap: 1rem; margin: 0; } dt { opacity: .7; } dd { margin: 0 0 0 .3rem; font-weight: 600; }
  dl div { display: flex; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(18rem, 2fr); gap: 1rem; padding: 1rem; }
  svg { width: 100%; height: auto; background: #fff; border: 1px solid #c9d1da; border-radius: 6px; }
  .floor { fill: #fbfcfd; stroke: #8995a3; stroke-width: .06; }
  .entrance { fill: #8fd3a7; }
  .display rect { fill: #dfe6ee; stroke: #6f7d8c; stroke-width: .05; transition: fill .3s; }
  .display text { font-size: .36px; fill: #334; text-anchor: middle; }
  .display .beacon { fill: #4a7bd0; }
  .display.has-gateway rect { stroke: #1d2733; stroke-width: .1; }
  .display.lit-approach rect { fill: #ffe9a8; } .display.lit-view rect { fill: #ffd36e; }
  .display.lit-touch rect, .display.lit-hold rect { fill: #ff9d6e; } .display.lit-dwell rect, .display.lit-proximity rect { fill: #b7e3ff; }
  .display.lit-left rect { fill: #e3e3e3; } .display.lit-pickup rect { fill: #ffb8d9; }
  .display.matched rect { stroke: #c2185b; stroke-width: .14; }
  .shopper { fill: #2e7d32; stroke: #fff; stroke-width: .05; transition: cx .25s linear, cy .25s linear; }
  .shopper.moving { fill: #66bb6a; }
  .shopper.phone { stroke: #c2185b; stroke-width: .09; }
  aside { display: grid; gap: .8rem; align-content: start; }
  section { background: #fff; border: 1px solid #c9d1da; border-radius: 6px; padding: .4rem .7rem; }
  section h2 { font-size: .95rem; margin: .2rem 0 .3rem; }
  ol { list-style: none; margin: 0; padding: 0; max-height: 11rem; overflow: hidden; font: 12px/1.4 ui-monospace, monospace; }
  li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  #summary { grid-column: 1 / -1; font: 12px ui-monospace, monospace; white-space: pre-wrap; }
  #summary:empty { display: none; }
</style>
</head>
<body>
<header>
  <h1 id="title">Touchpoint — live store map</h1>
  <span id="status" data-state="connecting">connecting…</span>
  <dl>
    <div><dt>shoppers</dt><dd id="count-shoppers">0</dd></div>
    <div><dt>sensor comms</dt><dd id="count-sensor">0</dd></div>
    <div><dt>user comms</dt><dd id="count-user">0</dd></div>
    <div><dt>matches</dt><dd id="count-match">0</dd></div>
    <div><dt>content items</dt><dd id="count-content">0</dd></div>
  </dl>
</header>
<main>
  <svg id="plan" role="img" aria-label="floor plan"></svg>
  <aside>
    <section><h2>Sensor communications (gateways)</h2><ol id="sensor-feed"></ol></section>
    <section><h2>User communications (phones)</h2><ol id="user-feed"></ol></section>
    <section><h2>Matches (backend)</h2><ol id="match-feed"></ol></section>
    <section><h2>Content items on phones</h2><ol id="content-feed"></ol></section>
  </aside>
  <section id="summary"></section>
</main>
<script>
"use strict";
const NS = "http://www.w3.org/2000/svg";
const plan = document.getElementById("plan");
const displays = new Map();   // sensorId -> <g>
const byDisplayId = new Map(); // displayId -> <g>
const shoppers = new Map();   // shopperId -> <circle>
const withPhone = new Set();
const counts = { shoppers: 0, sensor: 0, user: 0, match: 0, content: 0 };
const seen = new Set();       // messageIds already counted (a backlog can repeat what was live)

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}
function count(what, n) {
  counts[what] = n === undefined ? counts[what] + 1 : n;
  document.getElementById("count-" + what).textContent = String(counts[what]);
}
function clock(t) { return new Date(t).toISOString().slice(11, 19); }
function feed(id, t, text) {
  const ol = document.getElementById(id);
  const li = document.createElement("li");
  li.textContent = clock(t) + "  " + text;
  ol.prepend(li);
  while (ol.children.length > 40) ol.lastChild.remove();
}
function flash(g, cls, ms) {
  if (!g) return;
  g.classList.add(cls);
  clearTimeout(g["_t_" + cls]);
  g["_t_" + cls] = setTimeout(() => g.classList.remove(cls), ms);
}

function draw(layout) {
  plan.replaceChildren();
  shoppers.clear(); displays.clear(); byDisplayId.clear();
  const { widthM, depthM, entrance } = layout.floor;
  document.getElementById("title").textContent = "Touchpoint — " + (layout.name || layout.siteId);
  if (widthM === 0) { plan.style.display = "none"; return; } // no floor plan: the feeds only
  plan.style.display = "";
  plan.setAttribute("viewBox", "-0.5 -0.5 " + (widthM + 1) + " " + (depthM + 1));
  el("rect", { class: "floor", x: 0, y: 0, width: widthM, height: depthM }, plan);
  el("rect", { class: "entrance", x: entrance[0] - 1, y: entrance[1] - 0.6, width: 2, height: 0.3 }, plan);
  const gatewayAt = new Set(layout.gateways.map((g) => g.display));
  for (const d of layout.displays) {
    const g = el("g", { class: "display" + (gatewayAt.has(d.id) ? " has-gateway" : ""), "data-display": d.id, "data-sensor": d.sensorId }, plan);
    const w = d.kind === "aisle" ? 0.6 : 1.2, h = d.kind === "podium" ? 1.0 : 0.6;
    el("rect", { x: d.at[0] - w / 2, y: d.at[1] - h / 2, width: w, height: h, rx: 0.08 }, g);
    el("circle", { class: "beacon", cx: d.at[0], cy: d.at[1], r: 0.09 }, g);
    const label = el("text", { x: d.at[0], y: d.at[1] + h / 2 + 0.42 }, g);
    label.textContent = d.id + (gatewayAt.has(d.id) ? " ◆" : "");
    const title = el("title", {}, g);
    title.textContent = d.id + " · " + d.beacon + " " + d.sensorId + (d.item ? " · " + d.item : "") + (d.radar ? " · radar" : "") + (d.touch ? " · touch" : "");
    displays.set(d.sensorId, g);
    byDisplayId.set(d.id, g);
  }
}

function positions(list) {
  const here = new Set();
  for (const s of list) {
    here.add(s.shopperId);
    let c = shoppers.get(s.shopperId);
    if (!c) {
      c = el("circle", { class: "shopper", r: 0.28, "data-shopper": s.shopperId }, plan);
      el("title", {}, c).textContent = s.shopperId;
      shoppers.set(s.shopperId, c);
    }
    c.setAttribute("cx", s.x);
    c.setAttribute("cy", s.y);
    c.classList.toggle("moving", s.moving);
    c.classList.toggle("phone", withPhone.has(s.shopperId));
  }
  for (const [id, c] of shoppers) if (!here.has(id)) { c.remove(); shoppers.delete(id); }
  count("shoppers", shoppers.size);
}

function store(e) {
  switch (e.type) {
    case "positions": return positions(e.shoppers);
    case "shopper.arrived": if (e.phone && e.phone.consent) withPhone.add(e.shopperId); return;
    case "shopper.left": { const c = shoppers.get(e.shopperId); if (c) { c.remove(); shoppers.delete(e.shopperId); count("shoppers", shoppers.size); } return; }
    case "pickup.started": return flash(byDisplayId.get(e.displayId), "lit-pickup", 1500);
    case "phone.content-shown": return feed("content-feed", e.t, e.shopperId + " sees \\u201c" + e.item.title + "\\u201d");
  }
}

function handle(m) {
  switch (m.kind) {
    case "hello": draw(m.layout); for (const e of m.backlog) handle(e); return;
    case "store": return store(m.event);
    case "sensor": {
      const s = m.message;
      if (seen.has(s.messageId)) return;
      seen.add(s.messageId);
      count("sensor");
      flash(displays.get(s.sensorId), "lit-" + s.interaction.type, 2000);
      return feed("sensor-feed", s.timestamp, s.gatewayId + " #" + s.seq + " " + s.interaction.type + " " + s.sensorId + " " + (s.interaction.durationMs / 1000).toFixed(1) + " s");
    }
    case "user": {
      const u = m.message;
      if (seen.has(u.messageId)) return;
      seen.add(u.messageId);
      count("user");
      return feed("user-feed", u.timestamp, u.deviceId.slice(0, 10) + "\\u2026 " + u.trigger.type + " " + u.sensorId + " (max " + u.trigger.maxRssi + " dBm" + (m.referenced ? ", customer" : "") + ")");
    }
    case "match": {
      const x = m.match;
      if (seen.has("m" + x.sensorMessageId + x.userMessageId)) return;
      seen.add("m" + x.sensorMessageId + x.userMessageId);
      count("match");
      flash(displays.get(x.sensorId), "matched", 3000);
      return feed("match-feed", m.t, x.sensorId + " " + x.interactionType + " \\u2194 " + x.deviceId.slice(0, 10) + "\\u2026 (\\u0394 " + (x.deltaMs / 1000).toFixed(1) + " s)");
    }
    case "content": {
      if (seen.has(m.message.messageId)) return;
      seen.add(m.message.messageId);
      count("content");
      return feed("content-feed", m.t, "sent to " + m.message.deviceId.slice(0, 10) + "\\u2026 \\u201c" + m.message.title + "\\u201d");
    }
    case "summary": document.getElementById("summary").textContent = JSON.stringify(m.summary, null, 1); return;
  }
}

function connect() {
  const status = document.getElementById("status");
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/live");
  ws.onopen = () => { status.dataset.state = "live"; status.textContent = "live"; };
  ws.onmessage = (ev) => { try { handle(JSON.parse(ev.data)); } catch (err) { console.error(err); } };
  ws.onclose = () => { status.dataset.state = "closed"; status.textContent = "disconnected, retrying\\u2026"; setTimeout(connect, 1000); };
}
connect();
</script>
</body>
</html>
`;
