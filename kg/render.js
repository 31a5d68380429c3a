// The flow page's behaviour (kg/render.py embeds this file; docs/flows.md says what a reader can do).
// Expects vis-network's globals from pyvis's template (`network`, `nodes`, `edges`) and REGKG, the
// page's data: agreement titles, deduplicated texts, each edge's items, how many the panel lists and
// the agreement link base.
(function () {
  "use strict";
  if (typeof network === "undefined") return;
  var GAP_X = 46, GAP_Y = 10, ITEMS_SHOWN = REGKG.itemsShown;
  var initial = nodes.get().map(function (n) { return {id: n.id, hidden: !!n.hidden}; });

  // ---------------------------------------------------------------- layout: layers left to right
  function box(id) {
    var b = network.getBoundingBox(id), p = network.getPosition(id);
    return {up: p.y - b.top, down: b.bottom - p.y, left: p.x - b.left, right: b.right - p.x};
  }

  function columns(layer, limit) {
    // the layer's nodes, top to bottom, folded into sub-columns no taller than `limit`
    var cols = [], col = null;
    layer.forEach(function (n) {
      var h = n.box.up + n.box.down + GAP_Y;
      if (!col || (col.height + h > limit && col.nodes.length)) { col = {nodes: [], height: 0, width: 0}; cols.push(col); }
      col.nodes.push(n); col.height += h; col.width = Math.max(col.width, n.box.left + n.box.right);
    });
    return cols;
  }

  function arrange(layers, limit) {
    var placed = [], x = 0, width = 0, height = 0;
    layers.forEach(function (layer) {
      columns(layer, limit).forEach(function (col) {
        var y = -col.height / 2;
        col.nodes.forEach(function (n) {
          placed.push({id: n.id, x: x + col.width / 2, y: y + n.box.up, box: n.box});
          y += n.box.up + n.box.down + GAP_Y;
        });
        x += col.width + GAP_X; height = Math.max(height, col.height);
      });
    });
    width = x - GAP_X;
    return {placed: placed, width: width, height: height};
  }

  function layout() {
    network.redraw();  // sizes every shown node's label, so boxes are measured, not guessed
    var shown = nodes.get({filter: function (n) { return !n.hidden; }});
    var byLayer = {};
    shown.forEach(function (n) { (byLayer[n.layer] = byLayer[n.layer] || []).push({id: n.id, order: n.order, box: box(n.id)}); });
    var layers = Object.keys(byLayer).sort(function (a, b) { return a - b; }).map(function (k) {
      return byLayer[k].sort(function (a, b) { return a.order - b.order; });
    });
    var canvas = document.getElementById("mynetwork").getBoundingClientRect();
    var aim = Math.max(canvas.width, 1) / Math.max(canvas.height, 1), best = null;
    var tallest = Math.max.apply(null, layers.map(function (l) { return columns(l, Infinity)[0].height; }).concat([1]));
    for (var folds = 1; folds <= 12; folds++) {  // fold tall layers until the drawing is shaped like the window
      var tried = arrange(layers, tallest / folds + 1);
      var miss = Math.abs(Math.log(tried.width / Math.max(tried.height, 1) / aim));
      if (!best || miss < best.miss - 1e-9) best = {miss: miss, result: tried};
    }
    nodes.update(best.result.placed.map(function (p) { return {id: p.id, x: p.x, y: p.y}; }));
    window.regkgDrawing = best.result.placed;
    fit();
  }

  function fit() {
    var placed = window.regkgDrawing || [];
    if (!placed.length) return;
    var l = Infinity, r = -Infinity, t = Infinity, b = -Infinity;
    placed.forEach(function (p) {
      l = Math.min(l, p.x - p.box.left); r = Math.max(r, p.x + p.box.right);
      t = Math.min(t, p.y - p.box.up); b = Math.max(b, p.y + p.box.down);
    });
    var c = document.getElementById("mynetwork").getBoundingClientRect();
    var scale = Math.min(c.width / (r - l), c.height / (b - t), 1.6) * 0.94;
    network.moveTo({position: {x: (l + r) / 2, y: (t + b) / 2}, scale: scale, animation: false});
  }

  // ---------------------------------------------------------------- groups: open in place
  function syncEdges() {
    var hidden = {};
    nodes.get().forEach(function (n) { hidden[n.id] = !!n.hidden; });
    edges.update(edges.get().map(function (e) { return {id: e.id, hidden: hidden[e.from] || hidden[e.to]}; }));
  }

  function expand(group) {
    var members = nodes.get({filter: function (n) { return n.grp === group; }});
    nodes.update(members.map(function (n) { return {id: n.id, hidden: false}; }).concat([{id: group, hidden: true}]));
    syncEdges();
    layout();
    return members;
  }

  function collapseAll() {
    nodes.update(initial);
    syncEdges();
    layout();
    closePanel();
  }

  // ---------------------------------------------------------------- the details panel (text, copyable)
  var panel = document.getElementById("regkg-panel");
  var body = document.getElementById("regkg-panel-body");

  function add(parent, tag, text, cls) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  }

  function agreementLink(parent, ref) {
    if (REGKG.linkBase) {
      var a = add(parent, "a", ref);
      a.href = REGKG.linkBase + encodeURIComponent(ref);
      return a;
    }
    return add(parent, "b", ref);
  }

  function text(i) { return i < 0 ? "" : REGKG.texts[i]; }

  function showItems(parent, items, total) {
    var list = add(parent, "ol", null, "regkg-items");
    items.slice(0, ITEMS_SHOWN).forEach(function (it) {
      // it: agreement, dataset, s|i, evidence, legal basis, purpose, start, end, versions (this step's own)
      var li = add(list, "li");
      agreementLink(li, it[0]);
      add(li, "span", " " + (REGKG.titles[it[0]] || ""));
      add(li, "div", text(it[1]) + " · " + (it[2] === "s" ? "stated" : "inferred") + " · " + text(it[6]) + " – " +
          text(it[7]) + " · versions " + text(it[8]), "regkg-meta");
      if (text(it[4])) add(li, "div", "legal basis: " + text(it[4]), "regkg-meta");
      if (text(it[5])) add(li, "div", "purpose: " + text(it[5]), "regkg-meta");
      if (text(it[3])) add(li, "blockquote", text(it[3]), "regkg-evidence");
    });
    var more = Math.max(total, items.length) - Math.min(items.length, ITEMS_SHOWN);
    if (more > 0) add(parent, "p", "… and " + more + " more: `regkg trace` lists them all.", "regkg-meta");
  }

  function openPanel(title) {
    body.textContent = "";
    add(body, "h2", title);
    panel.hidden = false;
    return body;
  }

  function closePanel() { panel.hidden = true; }

  function edgeData(e) { return REGKG.items[e.id] || {i: [], n: 0, d: [], b: []}; }

  function showNode(id) {
    var n = nodes.get(id), b = openPanel(n.full);
    var facts = [n.role, n.typeGroup, n.code ? "ODS code " + n.code : "", n.weight + " agreement(s) in this view"];
    add(b, "p", facts.filter(Boolean).join(" · "), "regkg-meta");
    if (n.kind === "group") {
      add(b, "p", "Click the group to draw its organisations:");
      var ul = add(b, "ul");
      nodes.get({filter: function (m) { return m.grp === id; }}).forEach(function (m) { add(ul, "li", m.full); });
      return;
    }
    var incoming = edges.get({filter: function (e) { return e.to === id && !e.hidden; }});
    var outgoing = edges.get({filter: function (e) { return e.from === id && !e.hidden; }});
    [["from", incoming, "from"], ["to", outgoing, "to"]].forEach(function (side) {
      side[1].forEach(function (e) {
        var other = nodes.get(e[side[2]]);
        add(b, "p", side[0] + " " + other.full + ": " + e.weight + " agreement(s)", "regkg-meta");
      });
    });
    var items = [], total = 0;
    incoming.forEach(function (e) { items = items.concat(edgeData(e).i); total += edgeData(e).n; });
    if (items.length) { add(b, "h3", "How it gets the data"); showItems(b, items, total); }
  }

  function showEdge(id) {
    var e = edges.get(id);
    var b = openPanel(nodes.get(e.from).full + " → " + nodes.get(e.to).full);
    add(b, "p", e.weight + " agreement(s)", "regkg-meta");
    showItems(b, edgeData(e).i, edgeData(e).n);
  }

  network.on("click", function (params) {
    if (params.nodes.length) {
      var n = nodes.get(params.nodes[0]);
      if (n.kind === "group") expand(n.id);
      showNode(n.id);
    } else if (params.edges.length) {
      showEdge(params.edges[0]);
    }
  });
  document.getElementById("regkg-close").addEventListener("click", closePanel);
  document.getElementById("regkg-collapse").addEventListener("click", collapseAll);

  // ---------------------------------------------------------------- search: focus a node by name
  var search = document.getElementById("regkg-search");
  function find(term) {
    var t = term.trim().toLowerCase();
    if (!t) return null;
    var all = nodes.get();
    return all.find(function (n) { return n.full.toLowerCase() === t; }) ||
           all.find(function (n) { return n.full.toLowerCase().indexOf(t) >= 0; }) || null;
  }
  function focusNode(term) {
    var n = find(term);
    if (!n) { search.setCustomValidity("no node named like that"); search.reportValidity(); return; }
    search.setCustomValidity("");
    if (n.hidden && n.grp) expand(n.grp);
    network.selectNodes([n.id]);
    network.focus(n.id, {scale: Math.max(network.getScale(), 1), animation: false});
    showNode(n.id);
  }
  document.getElementById("regkg-find").addEventListener("submit", function (ev) { ev.preventDefault(); focusNode(search.value); });

  // ---------------------------------------------------------------- highlight: role, dataset, legal basis, type
  var property = document.getElementById("regkg-property"), value = document.getElementById("regkg-value");
  var FIELDS = {
    role: {node: function (n) { return [n.role]; }},
    "organisation type": {node: function (n) { return n.typeGroup ? [n.typeGroup] : []; }},
    dataset: {edge: function (e) { return edgeData(e).d.map(text); }},
    "legal basis": {edge: function (e) { return edgeData(e).b.map(text); }}
  };
  function valuesOf(field) {
    var seen = {};
    (field.node ? nodes.get() : edges.get()).forEach(function (x) {
      (field.node || field.edge)(x).forEach(function (v) { seen[v] = true; });
    });
    return Object.keys(seen).sort();
  }
  property.addEventListener("change", function () {
    value.textContent = "";
    add(value, "option", "any").value = "";
    if (FIELDS[property.value]) valuesOf(FIELDS[property.value]).forEach(function (v) { add(value, "option", v).value = v; });
    highlight();
  });
  value.addEventListener("change", highlight);
  function highlight() {
    var field = FIELDS[property.value], wanted = value.value, lit = {}, litEdges = {};
    var all = !field || !wanted;
    edges.get().forEach(function (e) {
      if (!all && field.edge && field.edge(e).indexOf(wanted) >= 0) { litEdges[e.id] = true; lit[e.from] = lit[e.to] = true; }
    });
    nodes.get().forEach(function (n) { if (!all && field.node && field.node(n).indexOf(wanted) >= 0) lit[n.id] = true; });
    if (!all && field.node) edges.get().forEach(function (e) { if (lit[e.from] || lit[e.to]) litEdges[e.id] = true; });
    nodes.update(nodes.get().map(function (n) { return {id: n.id, opacity: all || lit[n.id] ? 1 : 0.15}; }));
    edges.update(edges.get().map(function (e) {
      return {id: e.id, color: {inherit: "from", opacity: all || litEdges[e.id] ? 0.55 : 0.05}};
    }));
  }

  // ---------------------------------------------------------------- hover: short HTML titles
  function el(s) { var d = document.createElement("div"); d.innerHTML = s; return d; }
  nodes.update(nodes.get().filter(function (x) { return typeof x.title === "string"; })
                   .map(function (x) { return {id: x.id, title: el(x.title)}; }));
  edges.update(edges.get().map(function (e) { return {id: e.id, title: e.weight + " agreement(s): click for details"}; }));

  layout();
  window.addEventListener("load", layout);
  var pending;
  window.addEventListener("resize", function () { clearTimeout(pending); pending = setTimeout(layout, 150); });
  window.regkg = {expand: expand, focusNode: focusNode, showEdge: showEdge, showNode: showNode, layout: layout};
})();
