/* corpgraph network view: draws a map document (render.map_document) for the static map of
 * `corpgraph map` and for the web app.
 *
 *   var c = window.corpgraph.mountMap(container, doc, options);   // the controller (see below)
 *
 * Everything from the data becomes DOM text (textContent); links are made only of http(s) URLs.
 * The drawing is done by a renderer (window.corpgraph.renderers.NAME(container, view)): vis-network
 * here, another one (WebGL) may register itself beside it; the controller talks to renderers only
 * through the interface described at `visRenderer`.
 */
(function () {
  "use strict";
  var CG = (window.corpgraph = window.corpgraph || {});
  CG.renderers = CG.renderers || {};

  var EDGE_COLOUR = "#7a7a7a", PATH_COLOUR = "#ff8c00", MUTED_COLOUR = "#c8c8c8", FADED = "rgba(200,200,200,0.35)";
  var NODE_FONT = 13, EDGE_FONT = 10, FONT_FACE = "Helvetica, Arial, sans-serif";  // screen pixels at any zoom

  // -- small DOM helpers: text nodes only --------------------------------------------------------
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function button(text, title) {
    var b = el("button", text);
    b.type = "button";
    if (title) { b.title = title; b.setAttribute("aria-label", title); }
    return b;
  }
  function isWebUrl(url) { return typeof url === "string" && /^https?:\/\//i.test(url); }
  function link(text, url) {
    var a = el("a", text);
    a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function download(name, href) {
    var a = document.createElement("a");
    a.href = href; a.download = name; a.style.display = "none";
    document.body.appendChild(a); a.click(); document.body.removeChild(a);
  }

  // -- dates with precision: '2025' is a year, '2025-07' a month, '2025-07-15' a day ----------------
  function lastDay(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function firstDayOf(text) {
    text = String(text);
    if (/^\d{4}-\d{2}-\d{2}/.test(text)) return text.slice(0, 10);
    if (/^\d{4}-\d{2}$/.test(text)) return text + "-01";
    if (/^\d{4}$/.test(text)) return text + "-01-01";
    return null;
  }
  function lastDayOf(text) {
    text = String(text);
    if (/^\d{4}-\d{2}-\d{2}/.test(text)) return text.slice(0, 10);
    if (/^\d{4}-\d{2}$/.test(text)) return text + "-" + pad(lastDay(+text.slice(0, 4), +text.slice(5, 7)));
    if (/^\d{4}$/.test(text)) return text + "-12-31";
    return null;
  }
  // As `corpgraph --as-of` (dates.in_force): started on or before the day, not yet ended; a date
  // stands for all the days it covers, and an as-of month or year is taken as its last day.
  function inForce(day, span) {
    var begin = span[0] && firstDayOf(span[0]), end = span[1] && lastDayOf(span[1]);
    if (begin && begin > day) return false;
    return !(end && end < day);
  }
  CG.dates = { firstDayOf: firstDayOf, lastDayOf: lastDayOf, inForce: inForce };

  // -- the vis-network renderer ------------------------------------------------------------------
  /* A renderer is made by factory(container, view) where view = {doc, emit(name, payload)} and
   * emits "click" {type: "node"|"edge"|null, id, x, y}, "hover" {type, id, x, y}, "blur", "settled",
   * "zoom", "dragEnd".  It offers:
   *   apply(looks)   looks = {nodes: {id: look}, edges: {id: look}}, a look being {hidden, faded,
   *                  strong, muted, label (text or "" for none), labelAbove, font} (font: canvas units)
   *   add(nodes, edges)      more document items (merge)
   *   focus(ids) / fit() / select(ids)
   *   positions()            {id: [x, y]} in layout units; scale() the zoom; toDOM([x, y]) -> [x, y]
   *   nodeRadius(id)         the drawn half-size of a node, layout units
   *   canvas()               the <canvas> it draws on (for PNG), or null
   *   destroy()
   *   ownLabels              optional: true when it places labels itself (no placeLabels then)
   * The document's `renderer` field ("vis", or "sigma" for large maps: sigma-renderer.js) names the
   * factory when mountMap's options do not.
   */
  function visRenderer(container, view) {
    var doc = view.doc, looks = { nodes: {}, edges: {} };
    function visNode(n) {
      // heavier nodes push harder: long labels get room (layout spacing by label size)
      var item = { id: n.id, label: n.label, shape: n.shape, size: n.size, cg: n, mass: 1 + Math.min(String(n.label).length, 40) / 12 + n.size / 20,
                   color: { background: n.colour, border: n.highlight ? PATH_COLOUR : n.colour },
                   borderWidth: n.highlight ? 4 : 1 };
      if (n.x !== undefined) { item.x = n.x; item.y = n.y; }
      if (n.fixed) item.fixed = true;
      return item;
    }
    function visEdge(e) {
      var item = { id: e.id, from: e.from, to: e.to, width: e.width, label: e.label || "", cg: e };
      if (e.dashed) item.dashes = true;
      if (e.symmetric) item.arrows = "";
      if (e.colour) item.color = { color: e.colour, inherit: false };
      return item;
    }
    var nodes = new vis.DataSet(doc.nodes.map(visNode));
    var edges = new vis.DataSet(doc.edges.map(visEdge));
    var network = new vis.Network(container, { nodes: [], edges: [] }, doc.options);
    window.cgNodes = nodes; window.cgEdges = edges; window.cgNetwork = network;  // for tests and benches
    var settled = false;
    function settle() {
      if (settled) return;
      settled = true;
      network.setOptions({ physics: { enabled: false } });
      view.emit("settled");
    }
    if (doc.physics && doc.nodes.length) {
      network.once("stabilizationIterationsDone", settle);
      network.once("stabilized", settle);
      setTimeout(settle, 20000);  // never jiggle forever
    } else {
      network.once("afterDrawing", settle);
    }
    network.setData({ nodes: nodes, edges: edges });
    if (!doc.physics) network.fit();
    if (!doc.nodes.length) setTimeout(settle, 0);

    function nodeLook(n, look) {
      var own = nodes.get(n.id) ? n : null;
      if (!own) return null;
      var border = (look.strong || n.highlight) ? PATH_COLOUR : n.colour;
      var out = { id: n.id, hidden: !!look.hidden, label: look.label === undefined ? n.label : look.label,
                  borderWidth: (look.strong || n.highlight) ? 4 : 1,
                  font: { size: look.font || 14, color: look.faded ? "rgba(180,180,180,0.6)" : "#222",
                          face: FONT_FACE, vadjust: look.labelAbove ? look.vadjust || 0 : 0 } };
      out.color = look.faded ? FADED : { background: n.colour, border: border };
      return out;
    }
    function edgeLook(e, look) {
      var colour = e.colour || EDGE_COLOUR, width = e.width;
      if (look.strong) { colour = PATH_COLOUR; width = Math.max(width, 4); }
      else if (look.muted) { colour = MUTED_COLOUR; width = Math.min(width, 1.5); }
      if (look.faded) colour = FADED;
      var text = look.label === undefined ? (e.label || "") : look.label;
      return { id: e.id, hidden: !!look.hidden, width: width, label: text === "" ? " " : text,  // vis keeps the old text for "" and null
               color: { color: colour, inherit: false },
               font: { size: look.font || 10, color: look.faded ? "rgba(180,180,180,0.5)" : "#555", align: "horizontal" } };
    }
    function changed(store, id, look) {
      var key = JSON.stringify(look);
      if (store[id] === key) return false;
      store[id] = key;
      return true;
    }
    var byNode = {}, byEdge = {};
    doc.nodes.forEach(function (n) { byNode[n.id] = n; });
    doc.edges.forEach(function (e) { byEdge[e.id] = e; });

    network.on("click", function (p) {
      var d = p.pointer.DOM;
      if (p.nodes.length) view.emit("click", { type: "node", id: p.nodes[0], x: d.x, y: d.y });
      else if (p.edges.length) view.emit("click", { type: "edge", id: p.edges[0], x: d.x, y: d.y });
      else view.emit("click", { type: null });
    });
    network.on("hoverNode", function (p) { view.emit("hover", { type: "node", id: p.node, x: p.pointer.DOM.x, y: p.pointer.DOM.y }); });
    network.on("hoverEdge", function (p) { view.emit("hover", { type: "edge", id: p.edge, x: p.pointer.DOM.x, y: p.pointer.DOM.y }); });
    network.on("blurNode", function () { view.emit("blur"); });
    network.on("blurEdge", function () { view.emit("blur"); });
    network.on("dragStart", function () { view.emit("blur"); });
    network.on("dragEnd", function (p) { if (p.nodes.length) view.emit("dragEnd", { nodes: p.nodes }); });
    // labels are placed for one zoom: any change of scale (zoom, fit, stabilization) places them anew
    var placedScale = null;
    network.on("afterDrawing", function () {
      var s = network.getScale();
      if (settled && (placedScale === null || Math.abs(s - placedScale) / placedScale > 0.02)) { placedScale = s; view.emit("zoom"); }
    });

    return {
      name: "vis",
      apply: function (next) {
        var nu = [], eu = [];
        Object.keys(next.nodes).forEach(function (id) {
          var n = byNode[id]; if (!n) return;
          var look = nodeLook(n, next.nodes[id]);
          if (look && changed(looks.nodes, id, look)) nu.push(look);
        });
        Object.keys(next.edges).forEach(function (id) {
          var e = byEdge[id]; if (!e) return;
          var look = edgeLook(e, next.edges[id]);
          if (changed(looks.edges, id, look)) eu.push(look);
        });
        if (nu.length) nodes.update(nu);
        if (eu.length) edges.update(eu);
      },
      add: function (newNodes, newEdges) {
        newNodes.forEach(function (n) { byNode[n.id] = n; });
        newEdges.forEach(function (e) { byEdge[e.id] = e; });
        nodes.add(newNodes.map(visNode));
        edges.add(newEdges.map(visEdge));
        if (newNodes.length && !newNodes.every(function (n) { return n.x !== undefined; })) {
          network.setOptions({ physics: { enabled: true, stabilization: { enabled: true, iterations: 100, fit: false } } });
          network.once("stabilized", function () { network.setOptions({ physics: { enabled: false } }); view.emit("zoom"); });
        }
      },
      focus: function (ids) {
        ids = ids.filter(function (id) { return nodes.get(id); });
        if (ids.length === 1) network.focus(ids[0], { scale: Math.max(network.getScale(), 1.0), animation: false });
        else if (ids.length) network.fit({ nodes: ids, animation: false });
        view.emit("zoom");
      },
      fit: function () { network.fit({ animation: false }); view.emit("zoom"); },
      select: function (ids) { if (ids && ids.length) network.selectNodes(ids); else network.unselectAll(); },
      selectEdge: function (id) { network.selectEdges([id]); },
      positions: function () {
        var p = network.getPositions(), out = {};
        Object.keys(p).forEach(function (id) { out[id] = [Math.round(p[id].x * 10) / 10, Math.round(p[id].y * 10) / 10]; });
        return out;
      },
      scale: function () { return network.getScale(); },
      toDOM: function (xy) { var p = network.canvasToDOM({ x: xy[0], y: xy[1] }); return [p.x, p.y]; },
      nodeRadius: function (id) { var n = network.body.nodes[id]; return n ? Math.max(n.shape.width || 0, n.shape.height || 0) / 2 || byNode[id].size : 0; },
      canvas: function () { return container.querySelector("canvas"); },
      connectedEdges: function (id) { return network.getConnectedEdges(id); },
      destroy: function () { network.destroy(); }
    };
  }
  CG.renderers.vis = visRenderer;

  // -- label placement: no two labels overlap at the current zoom ----------------------------------
  /* Labels keep a constant size on screen.  Highest priority first (the highlighted entities, then by
   * size and number of relationships), each label goes below its node, else above it, else it is
   * hidden until the reader zooms in or hovers.  Edge labels come after entity labels, at the
   * middle of their line.  Boxes are tested against every label placed and every entity's shape. */
  var measureCtx = null;
  function textWidth(text, px) {
    if (!measureCtx) measureCtx = document.createElement("canvas").getContext("2d");
    measureCtx.font = px + "px " + FONT_FACE;
    return measureCtx.measureText(text).width;
  }
  function Grid(cell) { this.cell = cell; this.cells = {}; }
  Grid.prototype.keys = function (b) {
    var out = [], c = this.cell;
    for (var i = Math.floor(b[0] / c); i <= Math.floor(b[2] / c); i++)
      for (var j = Math.floor(b[1] / c); j <= Math.floor(b[3] / c); j++) out.push(i + "," + j);
    return out;
  };
  // does box b overlap anything but `ignore`'s own items (and shapes smaller than `over`)?
  Grid.prototype.hits = function (b, ignore, over) {
    var ks = this.keys(b);
    for (var k = 0; k < ks.length; k++) {
      var list = this.cells[ks[k]];
      if (!list) continue;
      for (var i = 0; i < list.length; i++) {
        var o = list[i];
        if (o.owner !== ignore && !(over && o.size !== undefined && o.size < over) && o.b[0] < b[2] && b[0] < o.b[2] && o.b[1] < b[3] && b[1] < o.b[3]) return true;
      }
    }
    return false;
  };
  Grid.prototype.add = function (b, owner, size) {
    var ks = this.keys(b), item = { b: b, owner: owner, size: size };
    for (var k = 0; k < ks.length; k++) (this.cells[ks[k]] = this.cells[ks[k]] || []).push(item);
  };
  function placeLabels(model, r) {
    var scale = r.scale() || 1, pos = r.positions();
    var nodeFont = NODE_FONT / scale, edgeFont = EDGE_FONT / scale, padding = 3 / scale;
    var grid = new Grid(Math.max(40, 120 / scale)), out = { nodes: {}, edges: {} };
    var visible = model.doc.nodes.filter(function (n) { return !model.nodeHidden(n.id) && pos[n.id]; });
    visible.forEach(function (n) {
      var p = pos[n.id], rad = r.nodeRadius(n.id);
      grid.add([p[0] - rad, p[1] - rad, p[0] + rad, p[1] + rad], n.id, n.size);
    });
    visible.sort(function (a, b) {
      return (b.highlight ? 1 : 0) - (a.highlight ? 1 : 0) || b.size - a.size ||
        model.degree(b.id) - model.degree(a.id) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
    });
    visible.forEach(function (n, rank) {
      // the few most important entities may cover smaller entities' shapes, never another label
      var over = rank < 5 || n.highlight ? n.size : 0;
      // vis-network draws a label under a shape with its top 0.6 font sizes below the shape's edge
      var p = pos[n.id], rad = r.nodeRadius(n.id), w = textWidth(n.label, nodeFont) + 2 * padding, f = nodeFont;
      var below = [p[0] - w / 2, p[1] + rad + 0.6 * f - padding, p[0] + w / 2, p[1] + rad + 1.6 * f + padding];
      var above = [p[0] - w / 2, p[1] - rad - 1.2 * f - padding, p[0] + w / 2, p[1] - rad - 0.2 * f + padding];
      var aboveLook = { font: nodeFont, labelAbove: true, vadjust: -2 * rad - 1.8 * f };  // vadjust: from below the shape to above
      var tries = [[below, 0, { font: nodeFont, labelAbove: false }], [above, 0, aboveLook]];
      if (over) tries.push([below, over, { font: nodeFont, labelAbove: false }], [above, over, aboveLook]);
      for (var t = 0; t < tries.length; t++) {
        if (!grid.hits(tries[t][0], n.id, tries[t][1])) { grid.add(tries[t][0], n.id); out.nodes[n.id] = tries[t][2]; return; }
      }
      out.nodes[n.id] = { font: nodeFont, label: "" };
    });
    var edges = model.doc.edges.filter(function (e) { return e.label && !model.edgeHidden(e.id) && pos[e.from] && pos[e.to] && e.from !== e.to; });
    edges.sort(function (a, b) { return (model.edgeStrong(b.id) ? 1 : 0) - (model.edgeStrong(a.id) ? 1 : 0) || b.width - a.width || b.count - a.count; });
    edges.forEach(function (e) {
      var a = pos[e.from], b = pos[e.to], mx = (a[0] + b[0]) / 2, my = (a[1] + b[1]) / 2;
      var w = textWidth(e.label, edgeFont) + 2 * padding, h = edgeFont * 1.3 + padding;
      var box = [mx - w / 2, my - h / 2, mx + w / 2, my + h / 2];
      if (!grid.hits(box, null)) { grid.add(box, e.id); out.edges[e.id] = { font: edgeFont }; }
      else out.edges[e.id] = { font: edgeFont, label: "" };
    });
    return out;
  }

  // -- the packed document of a large map (render.pack_document) ----------------------------------
  /* Columns become the document's usual nodes and edges (what the first frame needs); the other
   * fields of each item stay in the table of details, one JSON line per item (entities first), and
   * are parsed into the item when it is first opened (one()), or all at once when a view needs them
   * all (all(): the table of relationships, records named by a story or a timeline). */
  var NO_DETAILS = { one: function (item) { return item; }, all: function () { return false; } };
  function unpack(doc, detailsText) {
    var P = doc.packed, N = P.nodes, E = P.edges, dates = P.dates, i;
    var nodes = new Array(N.id.length), edges = new Array(E.from.length);
    function day(j) { return j < 0 ? null : dates[j]; }
    for (i = 0; i < nodes.length; i++) {
      var t = P.types[N.type[i]];
      var n = { id: N.id[i], label: N.label[i], type: t[0], typeLabel: t[1], shape: t[2], colour: t[3], size: N.size[i] };
      if (N.x[i] !== null && N.y[i] !== null) { n.x = N.x[i]; n.y = N.y[i]; }
      nodes[i] = n;
    }
    N.highlight.forEach(function (j) { nodes[j].highlight = true; });
    N.fixed.forEach(function (j) { nodes[j].fixed = true; });
    for (i = 0; i < edges.length; i++) {
      var k = P.kinds[E.kind[i]], f = E.flags[i], sp = E.spans[i];
      var e = { id: P.hexIds ? "t" + E.id.substr(16 * i, 16) : E.id[i], from: nodes[E.from[i]].id, to: nodes[E.to[i]].id,
                verb: k[0], kind: k[1], certainty: P.certainties[E.certainty[i]], count: E.count[i], width: E.width[i] };
      if (sp) e.spans = sp.map(function (s) { return [day(s[0]), day(s[1])]; });
      if (f & 1) e.dashed = true;
      if (f & 2) e.symmetric = true;
      if (f & 4) e.highlight = true;
      if (E.label && E.label[i] !== null) e.label = E.label[i];
      edges[i] = e;
    }
    Object.keys(E.colour).forEach(function (j) { edges[+j].colour = E.colour[j]; });
    doc.nodes = nodes; doc.edges = edges;
    var keys = P.detailKeys, pending = new Map(), text = null, starts = null;
    delete doc.packed;
    nodes.forEach(function (item, j) { pending.set(item, j); });
    edges.forEach(function (item, j) { pending.set(item, nodes.length + j); });
    function lineText(j) {
      if (text === null) {
        text = typeof detailsText === "function" ? String(detailsText() || "") : String(detailsText || "");
        starts = [0];
        for (var at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
      }
      if (j >= starts.length) return "";
      return text.slice(starts[j], j + 1 < starts.length ? starts[j + 1] - 1 : text.length);
    }
    function fill(item) {
      var j = pending.get(item);
      if (j === undefined) return;
      pending.delete(item);
      var line = lineText(j), values = line ? JSON.parse(line) : [], names = j < nodes.length ? keys.nodes : keys.edges;
      for (var v = 0; v < values.length && v < names.length; v++)
        if (values[v] !== null && names[v] !== "__proto__") item[names[v]] = values[v];
    }
    return {
      one: function (item) { if (item) fill(item); return item; },
      all: function () {
        if (!pending.size) return false;
        pending.forEach(function (_j, item) { fill(item); });
        text = starts = null;
        return true;
      }
    };
  }

  // -- the controller -----------------------------------------------------------------------------
  function mountMap(container, doc, options) {
    options = options || {};
    var lazy = doc.packed ? unpack(doc, options.details) : NO_DETAILS;  // the items' details
    performance.mark("cg-unpacked");
    var listeners = {}, extras = {};
    function emit(name, payload) { (listeners[name] || []).forEach(function (cb) { try { cb(payload); } catch (err) { setTimeout(function () { throw err; }); } }); }
    var byNode = {}, byEdge = {}, byRecord = {}, adjacency = {};
    function index(ns, es) {
      ns.forEach(function (n) { byNode[n.id] = n; adjacency[n.id] = adjacency[n.id] || []; });
      es.forEach(function (e) {
        byEdge[e.id] = e;
        (e.records || []).forEach(function (r) { byRecord[r] = e.id; });  // (a packed document's: once loaded)
        (adjacency[e.from] = adjacency[e.from] || []).push(e.id);
        if (e.to !== e.from) (adjacency[e.to] = adjacency[e.to] || []).push(e.id);
      });
    }
    var indexed = false;
    function indexAll() { if (!indexed) { indexed = true; index(doc.nodes, doc.edges); } }
    function loadDetails() {  // every item's details, and the records they name
      if (lazy.all()) doc.edges.forEach(function (e) { (e.records || []).forEach(function (r) { byRecord[r] = e.id; }); });
    }
    function recordEdge(r) {
      if (!byRecord[r]) loadDetails();
      return byRecord[r];
    }
    var state = { typesOff: {}, certsOff: {}, asOf: null, focus: [], selection: null, path: doc.paths && doc.paths.length ? 0 : null };
    var hl = null;  // {nodes: {}, edges: {}, fade: bool}
    var labels = { nodes: {}, edges: {} };

    // the DOM of the view
    clear(container);
    var root = el("div", null, "cg-view"); container.appendChild(root);
    var toolbar = el("div", null, "cg-toolbar"); root.appendChild(toolbar);
    var searchWrap = el("div", null, "cg-search-wrap"), searchLabel = el("label", "Find ");
    var search = el("input", null, "cg-search"), results = el("ul", null, "cg-results");
    search.id = "cg-search"; search.type = "search"; search.autocomplete = "off"; search.placeholder = "an entity name";
    search.setAttribute("aria-label", "Find an entity"); searchLabel.htmlFor = "cg-search";
    results.id = "cg-results"; results.setAttribute("role", "listbox");
    searchWrap.appendChild(searchLabel); searchWrap.appendChild(search); searchWrap.appendChild(results);
    toolbar.appendChild(searchWrap);
    var asOfWrap = el("span", null, "cg-asof"), asOfInput = el("input"), asOfText = el("span", "all dates", "cg-asof-text");
    var months = dateMonths(doc.edges);
    asOfInput.type = "range"; asOfInput.min = "0"; asOfInput.max = String(months.length); asOfInput.step = "1";
    asOfInput.value = String(months.length); asOfInput.id = "cg-asof";
    asOfInput.setAttribute("aria-label", "As of: show only relationships in force on this month");
    asOfWrap.appendChild(el("label", "As of")); asOfWrap.firstChild.htmlFor = "cg-asof";
    asOfWrap.appendChild(asOfInput); asOfWrap.appendChild(asOfText);
    if (months.length) toolbar.appendChild(asOfWrap);
    var resetButton = button("Reset view"); resetButton.id = "cg-reset"; toolbar.appendChild(resetButton);
    var pngButton = button("PNG", "Download the map as a PNG picture"); pngButton.id = "cg-png"; toolbar.appendChild(pngButton);
    var svgButton = button("SVG", "Download the map as an SVG drawing"); svgButton.id = "cg-svg"; toolbar.appendChild(svgButton);
    var layoutButton = button("Save layout", "Download the positions as a layout file for map --layout"); layoutButton.id = "cg-save-layout";
    toolbar.appendChild(layoutButton);
    var legendToggle = button("Legend", "Show or hide the legend and details"); legendToggle.className = "cg-legend-toggle"; legendToggle.id = "cg-legend-toggle";
    legendToggle.setAttribute("aria-expanded", "false"); toolbar.appendChild(legendToggle);
    var statusEl = el("span", "Laying out " + doc.nodes.length + " entities…"); statusEl.id = "cg-status"; statusEl.setAttribute("aria-live", "polite");
    toolbar.appendChild(statusEl);

    var main = el("div", null, "cg-main"); root.appendChild(main);
    var canvasWrap = el("div", null, "cg-canvas-wrap"), net = el("div", null, "cg-network"), tip = el("div", null, "cg-tip");
    net.id = "cg-network"; tip.id = "cg-tip"; tip.setAttribute("role", "tooltip");
    canvasWrap.setAttribute("role", "img");
    canvasWrap.appendChild(net); canvasWrap.appendChild(tip); main.appendChild(canvasWrap);
    var side = el("aside", null, "cg-side"); side.id = "cg-side"; main.appendChild(side);
    var embed = !!options.embed || document.body.classList.contains("cg-embed");
    if (embed) side.hidden = true;
    legendToggle.addEventListener("click", function () {
      side.hidden = !side.hidden; legendToggle.setAttribute("aria-expanded", String(!side.hidden));
    });

    var pathBox = el("div", null, "cg-paths"); pathBox.id = "cg-paths";
    if (doc.paths && doc.paths.length) side.appendChild(pathBox);
    var legend = el("details", null, "cg-legend-box"); legend.open = true; legend.id = "cg-legend";
    legend.appendChild(el("summary", "Legend")); side.appendChild(legend);
    var typesBox = el("div", null, "cg-legend"); typesBox.id = "cg-legend-types";
    legend.appendChild(el("h2", "Entity types")); legend.appendChild(typesBox);
    legend.appendChild(el("h2", "Certainty"));
    var certBox = el("div", null, "cg-legend cg-certs"); legend.appendChild(certBox);
    doc.legend.certainties.forEach(function (c) {
      var l = el("label"), i = el("input"); i.type = "checkbox"; i.checked = true; i.setAttribute("data-cert", c);
      l.appendChild(i); l.appendChild(document.createTextNode(" " + c)); certBox.appendChild(l);
    });
    legend.appendChild(el("h2", "Lines"));
    var lines = el("div", null, "cg-legend"); legend.appendChild(lines);
    function lineKey(cls, text) { var d = el("div"); d.appendChild(el("span", null, "ln " + cls)); d.appendChild(document.createTextNode(text)); lines.appendChild(d); }
    lineKey("", "confirmed or reported");
    lineKey("ln-dashed", "likely or alleged");
    lineKey("ln-dashed ln-denied", "denied");
    lineKey("ln-thick", "one line per tie; width: " + doc.legend.sizeShort);
    lineKey("ln-path", doc.paths && doc.paths.length ? "the best path" : "path or focus");
    if (doc.paths && doc.paths.length > 1) lineKey("ln-muted", "other paths");
    var sizeLegend = el("div", doc.legend.size); sizeLegend.id = "cg-size-legend"; lines.appendChild(sizeLegend);
    var detailsBox = el("details", null, "cg-details-box"); detailsBox.open = true;
    detailsBox.appendChild(el("summary", "Details")); side.appendChild(detailsBox);
    var details = el("div", null, "cg-card"); details.id = "cg-details"; detailsBox.appendChild(details);
    details.appendChild(el("p", "Hover over or click an entity or a line."));
    var tableBox = el("details", null, "cg-table"); tableBox.id = "cg-table";
    var tableSummary = el("summary"); tableBox.appendChild(tableSummary);
    (embed ? side : root).appendChild(tableBox);

    function buildTypes() {
      clear(typesBox);
      doc.legend.types.forEach(function (t) {
        var l = el("label"), i = el("input"), sw = el("span", null, "sw sw-" + t.shape);
        i.type = "checkbox"; i.checked = !state.typesOff[t.type]; i.setAttribute("data-type", t.type);
        if (/^#[0-9a-f]{3,8}$/i.test(t.colour)) sw.style.background = t.colour;  // a colour, never a url()
        l.appendChild(i); l.appendChild(sw); l.appendChild(el("span", t.label, "cg-type-label"));
        typesBox.appendChild(l);
        i.addEventListener("change", function () { if (i.checked) delete state.typesOff[t.type]; else state.typesOff[t.type] = true; refresh(); });
      });
    }
    buildTypes();
    certBox.querySelectorAll("input").forEach(function (i) {
      i.addEventListener("change", function () { var c = i.getAttribute("data-cert"); if (i.checked) delete state.certsOff[c]; else state.certsOff[c] = true; refresh(); });
    });

    // -- what is shown -----------------------------------------------------------------------------
    var model = {
      doc: doc,
      nodeHidden: function (id) { var n = byNode[id]; return !n || !!state.typesOff[n.type]; },
      edgeHidden: function (id) {
        var e = byEdge[id];
        if (!e || state.certsOff[e.certainty] || model.nodeHidden(e.from) || model.nodeHidden(e.to)) return true;
        if (state.asOf) {
          var day = lastDayOf(state.asOf), spans = e.spans || [[null, null]];
          if (!spans.some(function (s) { return inForce(day, s); })) return true;
        }
        return false;
      },
      degree: function (id) { return (adjacency[id] || []).length; },
      edgeStrong: function (id) { return pathEdges().strong[id] === true; }
    };
    function pathEdges() {
      var strong = {}, muted = {};
      if (state.path === null || !doc.paths || !doc.paths.length) return { strong: strong, muted: muted, nodes: {} };
      var best = doc.paths[state.path] || doc.paths[0], nodes = {};
      best.edges.forEach(function (id) { strong[id] = true; });
      best.nodes.forEach(function (id) { nodes[id] = true; });
      doc.paths.forEach(function (p) { p.edges.forEach(function (id) { if (!strong[id]) muted[id] = true; }); });
      return { strong: strong, muted: muted, nodes: nodes };
    }
    function nodeLookOf(n, p) {
      var look = { hidden: model.nodeHidden(n.id) };
      if (hl && hl.fade && !hl.nodes[n.id]) look.faded = true;
      if (p.nodes[n.id] && doc.paths.length > 1) look.strong = true;
      var lab = labels.nodes[n.id];
      if (lab) { look.font = lab.font; if (lab.label !== undefined) look.label = lab.label; if (lab.labelAbove) { look.labelAbove = true; look.vadjust = lab.vadjust; } }
      if (hovered === n.id) look.label = n.label;
      return look;
    }
    function edgeLookOf(e, p) {
      var look = { hidden: model.edgeHidden(e.id) };
      if (hl && hl.fade && !hl.edges[e.id]) look.faded = true;
      if (p.strong[e.id]) look.strong = true;
      else if (p.muted[e.id]) look.muted = true;
      else if (!doc.paths.length && e.highlight) look.strong = true;
      var lab = labels.edges[e.id];
      if (lab) { look.font = lab.font; if (lab.label !== undefined) look.label = lab.label; }
      if (hovered === e.id) look.label = e.label || "";
      return look;
    }
    function looks() {
      var p = pathEdges(), out = { nodes: {}, edges: {} };
      doc.nodes.forEach(function (n) { out.nodes[n.id] = nodeLookOf(n, p); });
      doc.edges.forEach(function (e) { out.edges[e.id] = edgeLookOf(e, p); });
      return out;
    }
    // the look of one item only (hover on a map of 100k lines stays quick)
    function lookOf(id) {
      var p = pathEdges(), out = { nodes: {}, edges: {} };
      if (byNode[id]) out.nodes[id] = nodeLookOf(byNode[id], p);
      else if (byEdge[id]) out.edges[id] = edgeLookOf(byEdge[id], p);
      return out;
    }

    // -- the renderer ------------------------------------------------------------------------------
    var rendererName = options.renderer || (typeof options.chooseRenderer === "function" ? options.chooseRenderer(doc) : doc.renderer || "vis");
    var factory = CG.renderers[rendererName] || CG.renderers.vis;
    var settled = false, hovered = null;
    performance.mark("cg-dom");
    var renderer = factory(net, { doc: doc, emit: function (name, payload) { onRenderer(name, payload); } });
    // the controller's indexes, built while the renderer's first frame is drawn (it needs none of
    // them; a renderer that reports before it returns has them built first)
    indexAll();
    performance.mark("cg-indexed");
    function onRenderer(name, p) {
      indexAll();
      if (name === "settled") {
        settled = true;
        relabel();
        if (pendingState) { applyState(pendingState); pendingState = null; }
        statusEl.textContent = doc.nodes.length + " entities, " + doc.edges.length + " relationships";
        if (renderer.drawn) renderer.drawn();  // what is drawn finished drawing, not only sent to the GPU
        performance.mark("cg-settled");
        if (window.cgFirstFrameAt === null) window.cgFirstFrameAt = performance.now();
        window.cgSettled = true; window.cgSettledAt = performance.now();
        emit("settled", {});
      } else if (name === "drawn") { window.cgFirstFrameAt = performance.now(); }  // a first frame before settling
      else if (name === "zoom") { scheduleRelabel(); }
      else if (name === "dragEnd") { scheduleRelabel(); }
      else if (name === "hover") {
        showTip(p.type === "node" ? nodeCard(p.id, false) : edgeCard(p.id, true), p);
        var was = hovered; hovered = p.id;
        if (was !== null) renderer.apply(lookOf(was));
        renderer.apply(lookOf(p.id));
      } else if (name === "blur") {
        hideTip();
        if (hovered !== null) { var id = hovered; hovered = null; renderer.apply(lookOf(id)); }
      } else if (name === "click") {
        hideTip();
        if (p.type === "node") { neighbourhood(p.id); openCard("node", p.id); }
        else if (p.type === "edge") { clearHighlight(); openCard("edge", p.id); }
        else { clearHighlight(); state.selection = null; writeUrl(); }
      }
    }
    var relabelTimer = null;
    function scheduleRelabel() { clearTimeout(relabelTimer); relabelTimer = setTimeout(relabel, 120); }
    function relabel() {
      if (!renderer.positions || renderer.ownLabels || doc.nodes.length > 20000) { renderer.apply(looks()); return; }
      var t0 = performance.now();
      labels = placeLabels(model, renderer);
      renderer.apply(looks());
      window.cgLabelsMs = performance.now() - t0;  // what benches read
    }
    function refresh() {
      renderer.apply(looks());
      scheduleRelabel();
      var shown = doc.nodes.filter(function (n) { return !model.nodeHidden(n.id); }).length;
      var shownEdges = doc.edges.filter(function (e) { return !model.edgeHidden(e.id); }).length;
      statusEl.textContent = shown + " of " + doc.nodes.length + " entities, " + shownEdges + " of " + doc.edges.length + " relationships shown" +
        (state.asOf ? " (as of " + state.asOf + ")" : "");
      buildTable();
      describe();
      writeUrl();
    }

    // -- cards -------------------------------------------------------------------------------------
    function row(dl, key, value) {
      if (value === undefined || value === null || value === "") return;
      dl.appendChild(el("dt", key));
      var dd = el("dd");
      if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
      dl.appendChild(dd);
    }
    function sourceItem(i, withLinks) {
      var s = doc.sources[i], li = el("li");
      if (!s) return li;
      var title = s.title + (s.publisher ? " (" + s.publisher + (s.issued ? ", " + s.issued : "") + ")" : "");
      if (withLinks && isWebUrl(s.url)) li.appendChild(link(title, s.url));
      else li.textContent = title + (s.url ? " " + s.url : "");
      return li;
    }
    function label(id) { return byNode[id] ? byNode[id].label : id; }
    function fact(e) { return label(e.from) + " " + e.verb + " " + label(e.to); }
    function edgeCard(id, withLinks) {
      var e = lazy.one(byEdge[id]), box = el("div");
      box.appendChild(el("h3", fact(e)));
      var dl = el("dl");
      row(dl, "Kind", e.kind);
      row(dl, "Certainty", e.certainty === "none" ? "not stated" : e.certainty);
      if (e.count > 1) row(dl, "Records", String(e.count));
      row(dl, e.notFlow ? "Amount (not money flowing)" : "Amount", e.amount);
      row(dl, "Date", e.when);
      row(dl, "Award", e.award);
      if (e.count === 1) row(dl, "Record", e.records[0]);
      box.appendChild(dl);
      (e.notes || []).forEach(function (n) { box.appendChild(el("p", "Note: " + n, "cg-note")); });
      (e.quotes || []).forEach(function (q) { box.appendChild(el("blockquote", q)); });
      if (e.rows && withLinks) box.appendChild(recordTable(e.rows));
      else if (e.rows) box.appendChild(el("div", e.count + " records: click the line to list them"));
      var limit = withLinks ? 50 : 3;
      if (e.sources.length) {
        box.appendChild(el("div", "Sources:"));
        var ol = el("ol");
        e.sources.slice(0, limit).forEach(function (i) { ol.appendChild(sourceItem(i, withLinks)); });
        box.appendChild(ol);
        if (e.sources.length > limit) box.appendChild(el("div", "and " + (e.sources.length - limit) + " more (see the records)"));
      }
      return box;
    }
    var RECORD_COLUMNS = ["Date", "Amount", "Award", "Certainty", "Source"];
    function amountValue(text) { var m = String(text).replace(/,/g, "").match(/-?\d+(\.\d+)?/); return m ? parseFloat(m[0]) : 0; }
    function sortable(columns, rows, cell, key) {
      var table = el("table"), head = el("tr"), body = el("tbody"), order = { col: 0, asc: true };
      function fill() {
        clear(body);
        rows.slice().sort(function (a, b) {
          var x = key(a, order.col), y = key(b, order.col);
          return (x < y ? -1 : x > y ? 1 : 0) * (order.asc ? 1 : -1);
        }).forEach(function (r) { var tr = el("tr"); columns.forEach(function (_c, i) { tr.appendChild(cell(r, i)); }); body.appendChild(tr); });
      }
      columns.forEach(function (name, col) {
        var th = el("th"), b = button(name);
        th.setAttribute("scope", "col");
        b.addEventListener("click", function () { order = { col: col, asc: order.col === col ? !order.asc : true }; fill(); });
        th.appendChild(b); head.appendChild(th);
      });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead); table.appendChild(body);
      fill();
      return table;
    }
    function sourcesCell(ids) {
      var td = el("td");
      ids.forEach(function (i) {
        var s = doc.sources[i];
        if (!s) return;
        td.appendChild(isWebUrl(s.url) ? link(s.title, s.url) : el("span", s.title));
        td.appendChild(document.createTextNode(" "));
      });
      return td;
    }
    function recordTable(records) {
      var wrap = el("div", null, "cg-records");
      var table = sortable(RECORD_COLUMNS, records, function (r, i) {
        if (i < 4) return el("td", r[i]);
        var td = sourcesCell(r[4]);
        if (r[6]) td.appendChild(el("div", "Note: " + r[6], "cg-note"));
        return td;
      }, function (r, col) { return col === 1 ? amountValue(r[1]) : String(r[col === 4 ? 5 : col]); });
      wrap.appendChild(el("div", records.length + " records (click a column to sort):"));
      wrap.appendChild(table);
      return wrap;
    }
    function nodeCard(id, withLinks) {
      var n = lazy.one(byNode[id]), box = el("div");
      box.appendChild(el("h3", n.label));
      var dl = el("dl");
      row(dl, "Type", n.typeLabel);
      row(dl, "IRI", n.id);
      row(dl, "Family", n.family);
      box.appendChild(dl);
      if (n.money) {  // one line per amount kind: kinds are never added together
        box.appendChild(el("div", "Money, by kind:"));
        var ul = el("ul");
        n.money.forEach(function (m) { ul.appendChild(el("li", m)); });
        box.appendChild(ul);
      }
      (n.notes || []).forEach(function (t) { box.appendChild(el("p", "Note: " + t, "cg-note")); });
      var rels = (adjacency[id] || []).filter(function (eid) { return !model.edgeHidden(eid); });
      if (rels.length) {
        box.appendChild(el("div", rels.length + " relationship" + (rels.length === 1 ? "" : "s") + (withLinks ? ":" : " (click for sources)")));
        if (withLinks) {
          var ol = el("ol");
          rels.slice(0, 200).forEach(function (eid) {
            var li = el("li"), span = el("span", fact(byEdge[eid]), "cg-rel");
            span.tabIndex = 0;
            span.addEventListener("click", function () { openCard("edge", eid); });
            span.addEventListener("keydown", function (ev) { if (ev.key === "Enter") openCard("edge", eid); });
            li.appendChild(span);
            li.appendChild(document.createTextNode(" (" + (byEdge[eid].certainty === "none" ? "certainty not stated" : byEdge[eid].certainty) + ")"));
            ol.appendChild(li);
          });
          box.appendChild(ol);
        }
      }
      if (withLinks && typeof options.expand === "function") {
        var ex = button("Expand", "Add this entity's relationships to the map");
        ex.addEventListener("click", function () { expand(id); });
        box.appendChild(ex);
      }
      return box;
    }
    function showDetails(card) { clear(details); details.appendChild(card); }
    function openCard(type, id) {
      showDetails(type === "node" ? nodeCard(id, true) : edgeCard(id, true));
      state.selection = id;
      if (type === "edge" && renderer.selectEdge) renderer.selectEdge(id);
      writeUrl();
      emit("select", { type: type, id: id });
    }
    function showTip(card, p) {
      clear(tip); tip.appendChild(card); tip.style.display = "block";
      var w = canvasWrap.clientWidth, x = p.x + 12, y = p.y + 12;
      if (x + 360 > w) x = Math.max(0, p.x - 372);
      tip.style.left = x + "px"; tip.style.top = y + "px";
    }
    function hideTip() { tip.style.display = "none"; }

    // -- highlight -------------------------------------------------------------------------------
    function clearHighlight() { if (hl) { hl = null; renderer.apply(looks()); } }
    function setHighlight(nodes, edges, fade) {
      hl = { nodes: {}, edges: {}, fade: fade };
      nodes.forEach(function (id) { hl.nodes[id] = true; });
      edges.forEach(function (id) { var e = byEdge[id]; if (!e) return; hl.edges[id] = true; hl.nodes[e.from] = true; hl.nodes[e.to] = true; });
      renderer.apply(looks());
    }
    function neighbourhood(id) {
      var es = (adjacency[id] || []).filter(function (eid) { return !model.edgeHidden(eid); });
      setHighlight([id], es, true);
      renderer.select([id]);
    }

    // -- search ----------------------------------------------------------------------------------
    function matches(q) {
      var out = [];
      q = q.trim().toLowerCase();
      if (!q) return out;
      for (var i = 0; i < doc.nodes.length && out.length < 20; i++)
        if (String(doc.nodes[i].label).toLowerCase().indexOf(q) !== -1) out.push(doc.nodes[i]);
      return out;
    }
    function selectEntity(id) {
      if (!byNode[id]) return;
      renderer.select([id]);
      state.focus = [id];
      renderer.focus([id]);
      neighbourhood(id);
      openCard("node", id);
    }
    search.addEventListener("input", function () {
      clear(results);
      matches(search.value).forEach(function (n) {
        var li = el("li"), b = button(n.label + " (" + n.typeLabel + ")");
        b.addEventListener("click", function () { clear(results); search.value = n.label; selectEntity(n.id); });
        li.appendChild(b); results.appendChild(li);
      });
    });
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { var m = matches(search.value); if (m.length) { clear(results); selectEntity(m[0].id); } }
      if (ev.key === "Escape") clear(results);
    });

    // -- the ranked paths beside the map -------------------------------------------------------------
    function buildPaths() {
      clear(pathBox);
      if (!doc.paths || !doc.paths.length) return;
      pathBox.appendChild(el("h2", doc.paths.length === 1 ? "The path" : doc.paths.length + " paths, best first"));
      var ol = el("ol");
      doc.paths.forEach(function (p, i) {
        var li = el("li"), b = button(p.text);
        if (i === 0) li.className = "cg-best";
        li.setAttribute("aria-current", String(i === state.path));
        b.title = p.hops + " hop" + (p.hops === 1 ? "" : "s") + ", least certain: " + p.certainty;
        b.addEventListener("click", function () { state.path = i; buildPaths(); renderer.apply(looks()); scheduleRelabel(); writeUrl(); });
        li.appendChild(b);
        li.appendChild(el("span", " (" + p.hops + " hop" + (p.hops === 1 ? "" : "s") + ", " + p.certainty + ")"));
        ol.appendChild(li);
      });
      pathBox.appendChild(ol);
    }
    buildPaths();

    // -- the accessible companion: every relationship shown, as a sorted table with its sources ----
    var TABLE_LIMIT = 2000;
    function buildTable() {
      var shown = doc.edges.filter(function (e) { return !model.edgeHidden(e.id); });
      tableSummary.textContent = "Table of the " + shown.length + " relationship" + (shown.length === 1 ? "" : "s") + " on the map, with sources";
      while (tableBox.childNodes.length > 1) tableBox.removeChild(tableBox.lastChild);
      if (!tableBox.open) { tableBox.dataset.stale = "1"; return; }  // sorted when opened
      delete tableBox.dataset.stale;
      loadDetails();  // amounts, dates and sources of every line
      var keys = {};
      shown.forEach(function (e) { keys[e.id] = [label(e.from).toLowerCase(), e.verb, label(e.to).toLowerCase()].join("\u0000"); });
      shown.sort(function (a, b) {
        var x = keys[a.id], y = keys[b.id];
        return x < y ? -1 : x > y ? 1 : 0;
      });
      var rows = shown.slice(0, TABLE_LIMIT);
      var columns = ["From", "Relationship", "To", "Amount", "Date", "Certainty", "Sources"];
      var table = sortable(columns, rows, function (e, i) {
        if (i === 0) return el("td", label(e.from));
        if (i === 1) { var td = el("td"), s = el("span", e.verb + (e.count > 1 ? " (" + e.count + " records)" : ""), "cg-rel"); s.tabIndex = 0;
          s.addEventListener("click", function () { ctrl.select(e.id); }); td.appendChild(s); return td; }
        if (i === 2) return el("td", label(e.to));
        if (i === 3) return el("td", e.amount || "");
        if (i === 4) return el("td", e.when || "");
        if (i === 5) return el("td", e.certainty === "none" ? "not stated" : e.certainty);
        return sourcesCell(e.sources);
      }, function (e, col) {
        return [label(e.from).toLowerCase(), e.verb, label(e.to).toLowerCase(), amountValue(e.amount || ""), e.when || "", e.certainty, ""][col];
      });
      table.setAttribute("aria-label", "Relationships on the map");
      tableBox.appendChild(table);
      if (shown.length > TABLE_LIMIT) tableBox.appendChild(el("p", "Showing " + TABLE_LIMIT + " of " + shown.length + " relationships."));
    }
    tableBox.addEventListener("toggle", function () { if (tableBox.open && tableBox.dataset.stale) buildTable(); });
    function describe() {
      var shown = doc.nodes.filter(function (n) { return !model.nodeHidden(n.id); });
      var top = shown.slice().sort(function (a, b) { return b.size - a.size || model.degree(b.id) - model.degree(a.id); }).slice(0, 5);
      var text = "Network map of " + shown.length + " entities and their relationships" +
        (top.length ? "; the largest: " + top.map(function (n) { return n.label; }).join(", ") : "") +
        ". " + doc.legend.size + ". The table of relationships below lists every line with its sources.";
      canvasWrap.setAttribute("aria-label", text);
    }

    // -- as of -------------------------------------------------------------------------------------
    function setAsOf(value) {
      if (value !== null && value !== undefined && value !== "" && !firstDayOf(value)) throw new Error("not a date: " + value);
      state.asOf = value ? String(value) : null;
      var at = state.asOf ? months.indexOf(state.asOf.slice(0, 7)) : -1;
      if (state.asOf && at === -1) at = state.asOf < months[0] ? 0 : months.length - 1;
      asOfInput.value = String(state.asOf ? at : months.length);
      asOfText.textContent = state.asOf ? "as of " + state.asOf : "all dates";
      refresh();
    }
    asOfInput.addEventListener("input", function () {
      var i = +asOfInput.value;
      setAsOf(i >= months.length ? null : months[i]);
    });

    // -- downloads -------------------------------------------------------------------------------
    function fileBase() { return "corpgraph-map"; }
    pngButton.addEventListener("click", function () { download(fileBase() + ".png", pngDataUrl()); });
    function pngDataUrl() {
      var src = renderer.canvas && renderer.canvas();
      var out = document.createElement("canvas"), w = src ? src.width : 800, h = src ? src.height : 600, foot = 28;
      out.width = w; out.height = h + foot;
      var ctx = out.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, out.width, out.height);
      if (src) ctx.drawImage(src, 0, 0);
      ctx.fillStyle = "#555"; ctx.font = "12px " + FONT_FACE;
      ctx.fillText(doc.meta.credit + " · Graph version " + doc.meta.version, 8, h + 18);
      return out.toDataURL("image/png");
    }
    svgButton.addEventListener("click", function () {
      var blob = new Blob([svgText()], { type: "image/svg+xml" });
      var url = URL.createObjectURL(blob);
      download(fileBase() + ".svg", url);
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
    function svgText() {
      var NS = "http://www.w3.org/2000/svg", pos = renderer.positions(), lk = looks();
      var ids = Object.keys(pos), xs = ids.map(function (i) { return pos[i][0]; }), ys = ids.map(function (i) { return pos[i][1]; });
      var pad = 60, minX = Math.min.apply(null, xs.concat([0])) - pad, minY = Math.min.apply(null, ys.concat([0])) - pad;
      var w = Math.max.apply(null, xs.concat([0])) - minX + pad, h = Math.max.apply(null, ys.concat([0])) - minY + pad + 30;
      var svg = document.createElementNS(NS, "svg");
      svg.setAttribute("xmlns", NS); svg.setAttribute("viewBox", [minX, minY, w, h].join(" "));
      svg.setAttribute("width", String(Math.round(w))); svg.setAttribute("height", String(Math.round(h)));
      svg.setAttribute("font-family", FONT_FACE);
      var title = document.createElementNS(NS, "title"); title.textContent = doc.meta.title; svg.appendChild(title);
      var bg = document.createElementNS(NS, "rect");
      bg.setAttribute("x", String(minX)); bg.setAttribute("y", String(minY)); bg.setAttribute("width", String(w)); bg.setAttribute("height", String(h)); bg.setAttribute("fill", "#fff");
      svg.appendChild(bg);
      doc.edges.forEach(function (e) {
        var L = lk.edges[e.id], a = pos[e.from], b = pos[e.to];
        if (!a || !b || L.hidden) return;
        var line = document.createElementNS(NS, "line");
        line.setAttribute("x1", a[0]); line.setAttribute("y1", a[1]); line.setAttribute("x2", b[0]); line.setAttribute("y2", b[1]);
        line.setAttribute("stroke", L.strong ? PATH_COLOUR : L.muted ? MUTED_COLOUR : (e.colour || EDGE_COLOUR));
        line.setAttribute("stroke-width", String(L.strong ? Math.max(e.width, 4) : e.width));
        if (e.dashed) line.setAttribute("stroke-dasharray", "6 4");
        svg.appendChild(line);
      });
      doc.nodes.forEach(function (n) {
        var L = lk.nodes[n.id], p = pos[n.id];
        if (!p || L.hidden) return;
        var shape = document.createElementNS(NS, n.shape === "square" ? "rect" : "circle"), r = n.size;
        if (n.shape === "square") { shape.setAttribute("x", p[0] - r); shape.setAttribute("y", p[1] - r); shape.setAttribute("width", 2 * r); shape.setAttribute("height", 2 * r); }
        else { shape.setAttribute("cx", p[0]); shape.setAttribute("cy", p[1]); shape.setAttribute("r", r); }
        shape.setAttribute("fill", n.colour);
        shape.setAttribute("stroke", n.highlight ? PATH_COLOUR : n.colour);
        var t = document.createElementNS(NS, "title"); t.textContent = n.label; shape.appendChild(t);
        svg.appendChild(shape);
        if (L.label !== "") {
          var text = document.createElementNS(NS, "text");
          text.setAttribute("x", p[0]); text.setAttribute("y", p[1] + r + 16); text.setAttribute("text-anchor", "middle"); text.setAttribute("font-size", "14");
          text.textContent = n.label; svg.appendChild(text);
        }
      });
      var credit = document.createElementNS(NS, "text");
      credit.setAttribute("x", String(minX + 10)); credit.setAttribute("y", String(minY + h - 10)); credit.setAttribute("font-size", "12"); credit.setAttribute("fill", "#555");
      credit.textContent = doc.meta.credit + " · Graph version " + doc.meta.version;
      svg.appendChild(credit);
      return new XMLSerializer().serializeToString(svg);
    }
    function layoutJson() {
      return JSON.stringify({ corpgraph_layout: 1, version: doc.meta.version, selection: doc.meta.selection, positions: renderer.positions() }, null, 1);
    }
    layoutButton.addEventListener("click", function () {
      download("layout.json", "data:application/json;charset=utf-8," + encodeURIComponent(layoutJson()));
    });

    // -- URL state ---------------------------------------------------------------------------------
    var useUrl = options.urlState !== false, pendingState = null;
    function getState() {
      var out = { focus: state.focus.slice(), hideTypes: Object.keys(state.typesOff).sort(), hideCertainties: Object.keys(state.certsOff).sort(),
                  asOf: state.asOf, selection: state.selection, path: state.path };
      Object.keys(extras).forEach(function (k) { out[k] = extras[k].get(); });
      return out;
    }
    function applyState(s) {
      state.typesOff = {}; (s.hideTypes || []).forEach(function (t) { state.typesOff[t] = true; });
      state.certsOff = {}; (s.hideCertainties || []).forEach(function (c) { state.certsOff[c] = true; });
      typesBox.querySelectorAll("input[data-type]").forEach(function (i) { i.checked = !state.typesOff[i.getAttribute("data-type")]; });
      certBox.querySelectorAll("input[data-cert]").forEach(function (i) { i.checked = !state.certsOff[i.getAttribute("data-cert")]; });
      if (s.path !== undefined && s.path !== null && doc.paths && doc.paths[s.path]) { state.path = +s.path; buildPaths(); }
      var restoring = true;
      try {
        try { setAsOf(s.asOf || null); } catch (err) { setAsOf(null); }  // a date mistyped in a link
        state.focus = (s.focus || []).filter(function (id) { return byNode[id]; });
        if (state.focus.length) renderer.focus(state.focus);
        if (s.selection && (byNode[s.selection] || byEdge[s.selection])) ctrl.select(s.selection);
        Object.keys(extras).forEach(function (k) { if (s[k] !== undefined) extras[k].set(s[k]); });
      } finally { restoring = false; }
      writeUrl(restoring);
    }
    function encodeState(s) {
      var q = [];
      function put(k, v) { if (v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && !v.length)) q.push(k + "=" + encodeURIComponent(Array.isArray(v) ? v.join("\n") : String(v))); }
      put("focus", s.focus); put("hide-types", s.hideTypes); put("hide-certainty", s.hideCertainties); put("as-of", s.asOf);
      put("select", s.selection); if (s.path) put("path", s.path);
      Object.keys(extras).forEach(function (k) { put(k, s[k]); });
      return q.join("&");
    }
    function decodeState(hash) {
      var s = {}, list = function (v) { return v ? v.split("\n") : []; };
      hash.replace(/^#/, "").split("&").forEach(function (part) {
        if (!part) return;
        var at = part.indexOf("="), k = at === -1 ? part : part.slice(0, at), v;
        try { v = decodeURIComponent(at === -1 ? "" : part.slice(at + 1)); } catch (err) { return; }
        if (k === "focus") s.focus = list(v);
        else if (k === "hide-types") s.hideTypes = list(v);
        else if (k === "hide-certainty") s.hideCertainties = list(v);
        else if (k === "as-of") s.asOf = v;
        else if (k === "select") s.selection = v;
        else if (k === "path") s.path = parseInt(v, 10) || 0;
        else if (extras[k]) s[k] = v;
      });
      return s;
    }
    var writing = false;
    function writeUrl(skip) {
      if (!useUrl || skip || !settled) return;
      var text = encodeState(getState()), want = text ? "#" + text : "";
      if ((location.hash || "") === want) return;
      writing = true;
      try { history.replaceState(null, "", want || location.pathname + location.search); } catch (err) { /* a sandboxed frame */ }
      writing = false;
      emit("state", getState());
    }
    window.addEventListener("hashchange", function () { if (!writing && useUrl) applyState(decodeState(location.hash)); });

    // -- merge (expand on click) -------------------------------------------------------------------
    function merge(fragment) {
      var offset = doc.sources.length, newNodes = [], newEdges = [];
      (fragment.sources || []).forEach(function (s) { doc.sources.push(s); });
      (fragment.nodes || []).forEach(function (n) { if (!byNode[n.id]) { newNodes.push(n); doc.nodes.push(n); } });
      (fragment.edges || []).forEach(function (e) {
        if (byEdge[e.id]) return;
        e.sources = (e.sources || []).map(function (i) { return i + offset; });
        (e.rows || []).forEach(function (r) { r[4] = r[4].map(function (i) { return i + offset; }); });
        newEdges.push(e); doc.edges.push(e);
      });
      ((fragment.legend && fragment.legend.types) || []).forEach(function (t) {
        if (!doc.legend.types.some(function (x) { return x.type === t.type; })) doc.legend.types.push(t);
      });
      index(newNodes, newEdges);
      renderer.add(newNodes, newEdges);
      buildTypes();
      var more = dateMonths(doc.edges);
      if (more.length !== months.length) { months = more; asOfInput.max = String(months.length); setAsOf(state.asOf); }
      refresh();
      return { nodes: newNodes.length, edges: newEdges.length };
    }
    function expand(id) {
      statusEl.textContent = "Expanding " + label(id) + "…";
      return Promise.resolve(options.expand(id)).then(function (fragment) {
        var added = merge(fragment);
        statusEl.textContent = "Added " + added.nodes + " entities and " + added.edges + " relationships around " + label(id);
        if (fragment.note) statusEl.textContent += " (" + fragment.note + ")";
      }, function (err) { statusEl.textContent = "Could not expand " + label(id) + ": " + (err && err.message ? err.message : err); });
    }

    resetButton.addEventListener("click", function () {
      state.typesOff = {}; state.certsOff = {}; state.focus = []; state.selection = null;
      typesBox.querySelectorAll("input").forEach(function (i) { i.checked = true; });
      certBox.querySelectorAll("input").forEach(function (i) { i.checked = true; });
      hl = null; renderer.select(null); setAsOf(null); renderer.fit();
    });

    var ctrl = {
      highlight: function (what, opts) {
        what = what || {};
        var edges = (what.edges || []).slice();
        (what.records || []).forEach(function (r) { if (recordEdge(r)) edges.push(recordEdge(r)); });
        setHighlight(what.nodes || [], edges, !(opts && opts.fadeOthers === false));
      },
      reset: function () { hl = null; renderer.select(null); renderer.apply(looks()); },
      focus: function (ids) { state.focus = (ids || []).filter(function (id) { return byNode[id]; }); renderer.focus(state.focus); writeUrl(); },
      select: function (id) {
        if (byNode[id]) { renderer.select([id]); openCard("node", id); }
        else if (byEdge[id]) openCard("edge", id);
        else if (recordEdge(id)) openCard("edge", recordEdge(id));
      },
      on: function (name, cb) { (listeners[name] = listeners[name] || []).push(cb); return ctrl; },
      merge: merge,
      setAsOf: setAsOf,
      getState: getState,
      setState: function (s) { if (settled) applyState(s || {}); else pendingState = s || {}; },
      loadDetails: loadDetails,  // a packed document's details, all parsed (panels that read every record)
      extendState: function (key, get, set) { extras[key] = { get: get, set: set }; },
      labelPlacement: function () { return labels; },
      svg: svgText,
      png: pngDataUrl,
      layout: layoutJson,
      renderer: renderer,
      months: function () { return months.slice(); },
      document: doc
    };
    describe();
    buildTable();
    performance.mark("cg-mounted");
    if (useUrl && location.hash) pendingState = decodeState(location.hash);
    return ctrl;
  }

  // The months an as-of slider steps through: from the earliest to the latest date of any record.
  function dateMonths(edges) {
    var lo = null, hi = null, seen = Object.create(null);
    edges.forEach(function (e) {
      var spans = e.spans;
      if (!spans) return;
      for (var i = 0; i < spans.length; i++) {
        for (var j = 0; j < 2; j++) {
          var d = spans[i][j];
          if (!d || seen[d]) continue;
          seen[d] = true;  // the same dates recur on many records: each is read once
          var a = firstDayOf(d), b = lastDayOf(d);
          if (a && (lo === null || a < lo)) lo = a;
          if (b && (hi === null || b > hi)) hi = b;
        }
      }
    });
    var out = [];
    if (lo === null) return out;
    var y = +lo.slice(0, 4), m = +lo.slice(5, 7), ey = +hi.slice(0, 4), em = +hi.slice(5, 7);
    while ((y < ey || (y === ey && m <= em)) && out.length < 2400) {
      out.push(y + "-" + pad(m));
      m += 1; if (m > 12) { m = 1; y += 1; }
    }
    return out;
  }

  CG.mountMap = mountMap;

  // A page marks its map element with data-cg-mount="ID of the JSON document" to be drawn at load.
  function automount() {
    document.querySelectorAll("[data-cg-mount]").forEach(function (node) {
      var data = document.getElementById(node.getAttribute("data-cg-mount"));
      if (!data || node.__cgMap) return;
      performance.mark("cg-start");
      var doc = JSON.parse(data.textContent);
      performance.mark("cg-parsed");
      var more = document.getElementById(data.id + "-details");  // a large map's table of details
      node.__cgMap = mountMap(node, doc, { embed: document.body.classList.contains("cg-embed"),
                                           details: function () { return more ? more.textContent : ""; } });
      window.cgMap = node.__cgMap;
      window.cgIdOf = function (iri) { return iri; };
    });
  }
  window.cgSettled = false; window.cgSettledAt = null; window.cgFirstFrameAt = null;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", automount);
  else automount();
})();
