/* corpgraph timelines: a map's records on one time axis (`corpgraph map --timeline`), statements
 * and pledges above deeds, each bar as long as what its date means (a month-dated record spans its
 * month, a year-dated one its year); an undated record is a hollow mark at its source's date.
 *
 *   window.corpgraph.mountTimeline(controller, timeline, {container})   // the app, or any page
 *
 * Clicking a record selects it on the map (controller.select(recordIri)) and highlights it; a record
 * drawn as no line (a statement about nothing in particular) highlights its entities instead.
 * Selecting a line or an entity on the map marks its records here.  A static map mounts its
 * timeline itself: the map document's `timeline` key (timeline.timeline_document).  Uses only the
 * controller (select, highlight, on, document); everything from the data becomes DOM text.
 */
(function () {
  "use strict";
  var CG = (window.corpgraph = window.corpgraph || {});
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var LANE_COLOUR = { said: "#d62728", did: "#1f77b4" };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function css(node, props) { Object.keys(props).forEach(function (k) { node.style[k] = props[k]; }); return node; }
  function day(iso) {
    var m = /^(-?\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000 : null;
  }
  // '2025-07' -> 'Jul 2025', '2019' -> '2019', '2025-04-11' -> '11 Apr 2025': the date as precise as recorded
  function words(text) {
    var m = /^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(String(text || ""));
    if (!m) return String(text || "");
    if (!m[2]) return m[1];
    var month = MONTHS[+m[2] - 1] || m[2];
    return (m[3] ? +m[3] + " " : "") + month + " " + m[1];
  }
  function whenText(e) {
    if (!e.start) return "undated" + (e.reported_by ? " (reported " + words(e.reported_by) + ")" : "");
    if (e.end && e.end !== e.start) return words(e.start) + " – " + words(e.end);
    return words(e.start);
  }

  function mountTimeline(ctrl, tl, options) {
    options = options || {};
    var entries = (tl && tl.entries) || [];
    if (!entries.length || !ctrl) return null;
    if (ctrl.loadDetails) ctrl.loadDetails();  // the records of every line (a large map parses them late)
    var doc = ctrl.document || { edges: [], nodes: [] };
    var onMap = {}, nodeIds = {}, edgeRecords = {};
    (doc.edges || []).forEach(function (e) {
      edgeRecords[e.id] = e.records || [];
      (e.records || []).forEach(function (r) { onMap[r] = e.id; });
    });
    (doc.nodes || []).forEach(function (n) { nodeIds[n.id] = true; });
    var first = day(tl.first_day), last = day(tl.last_day);
    var span = Math.max((last || 0) - (first || 0) + 1, 1);
    function pct(d) { return Math.max(0, Math.min(100, (100 * (d - first)) / span)); }

    var host = options.container || document.body;
    var box = host.querySelector(".cg-canvas-wrap") || host;
    if (getComputedStyle(box).position === "static") box.style.position = "relative";
    var panel = el("section", null, "cg-timeline");
    panel.id = "cg-timeline";
    panel.setAttribute("aria-label", "Timeline of the map's records");
    css(panel, {
      position: "absolute", right: "8px", bottom: "8px", zIndex: "5", width: "min(44em, calc(100% - 16px))",
      maxHeight: "45%", overflow: "auto", background: "rgba(255,255,255,0.96)", border: "1px solid #bbb",
      borderRadius: "4px", padding: "6px 10px", font: "12px/1.35 Helvetica, Arial, sans-serif", color: "#222"
    });
    var head = css(el("div", null, "cg-timeline-head"), { display: "flex", gap: "8px", alignItems: "baseline" });
    head.appendChild(el("strong", "Timeline"));
    head.appendChild(el("span", entries.length + " records, dates as precise as recorded", "cg-timeline-count"));
    var fold = el("button", "Hide", "cg-timeline-fold");
    fold.type = "button"; fold.id = "cg-timeline-fold";
    fold.setAttribute("aria-expanded", "true"); fold.setAttribute("aria-controls", "cg-timeline-body");
    css(fold, { marginLeft: "auto" });
    head.appendChild(fold);
    panel.appendChild(head);
    var body = el("div", null, "cg-timeline-body");
    body.id = "cg-timeline-body";
    panel.appendChild(body);
    fold.addEventListener("click", function () {
      var open = body.hidden;
      body.hidden = !open;
      fold.textContent = open ? "Hide" : "Show";
      fold.setAttribute("aria-expanded", open ? "true" : "false");
    });

    // the axis: a label at the start of every year
    var axis = css(el("div", null, "cg-timeline-axis"), { position: "relative", height: "14px", margin: "4px 0 2px 9em", color: "#666" });
    var y0 = new Date(first * 86400000).getUTCFullYear(), y1 = new Date(last * 86400000).getUTCFullYear();
    var step = Math.max(1, Math.ceil((y1 - y0 + 1) / 8));
    for (var y = y0; y <= y1; y += step) {
      var tick = el("span", String(y), "cg-timeline-year");
      css(tick, { position: "absolute", left: pct(Date.UTC(y, 0, 1) / 86400000) + "%", fontSize: "10px" });
      axis.appendChild(tick);
    }
    body.appendChild(axis);

    var items = [];
    (tl.lanes || [{ id: "said", label: "What they said" }, { id: "did", label: "What they did" }]).forEach(function (lane) {
      var mine = entries.filter(function (e) { return e.lane === lane.id; });
      if (!mine.length) return;
      body.appendChild(css(el("h3", lane.label, "cg-timeline-lane"), { fontSize: "12px", margin: "6px 0 2px" }));
      var list = css(el("ul", null, "cg-timeline-list"), { listStyle: "none", margin: "0", padding: "0" });
      list.setAttribute("data-lane", lane.id);
      mine.forEach(function (e) {
        var li = el("li", null, "cg-timeline-entry");
        li.setAttribute("data-record", String(e.record));
        li.setAttribute("data-dated", e.dated ? "true" : "false");
        var b = el("button", null, "cg-timeline-item");
        b.type = "button";
        css(b, { display: "grid", gridTemplateColumns: "9em 1fr", width: "100%", textAlign: "left", border: "0",
                 background: "transparent", padding: "1px 0", font: "inherit", color: "inherit", cursor: "pointer" });
        b.appendChild(css(el("span", whenText(e), "cg-timeline-when"), { color: "#555" }));
        var right = el("span", null, "cg-timeline-right");
        var track = css(el("span", null, "cg-timeline-track"), { position: "relative", display: "block", height: "7px", background: "#f1f1f1" });
        var a = day(e.first_day), z = day(e.last_day);
        var bar = el("span", null, "cg-timeline-bar");
        var colour = LANE_COLOUR[e.lane] || "#555";
        css(bar, { position: "absolute", top: "0", height: "7px", left: pct(a) + "%", width: Math.max(pct(z + 1) - pct(a), 0.6) + "%",
                   minWidth: "3px", boxSizing: "border-box" });
        if (e.dated) css(bar, { background: colour, opacity: ["likely", "alleged", "denied"].indexOf(e.certainty) >= 0 ? "0.5" : "1" });
        else css(bar, { border: "1px dashed " + colour, background: "transparent" });
        track.appendChild(bar);
        right.appendChild(track);
        var text = e.sentence || [].concat(e.frm || []).join(", ") + " " + (e.kind_label || e.kind) + " " + [].concat(e.to || []).join(", ");
        right.appendChild(el("span", text + (e.certainty ? " [" + e.certainty + "]" : ""), "cg-timeline-text"));
        if (!onMap[e.record]) right.appendChild(css(el("span", " (drawn as no line on the map)", "cg-timeline-offmap"), { color: "#777" }));
        b.appendChild(right);
        b.addEventListener("click", function () { choose(e); });
        li.appendChild(b);
        list.appendChild(li);
        items.push({ entry: e, li: li });
      });
      body.appendChild(list);
    });
    box.appendChild(panel);

    var choosing = false;
    function mark(test) {
      var firstMarked = null;
      items.forEach(function (it) {
        var on = test(it.entry);
        it.li.classList.toggle("cg-timeline-marked", on);
        css(it.li, { background: on ? "#fff3c4" : "" });
        if (on) { it.li.setAttribute("aria-current", "true"); if (!firstMarked) firstMarked = it.li; }
        else it.li.removeAttribute("aria-current");
      });
      if (firstMarked && firstMarked.scrollIntoView) firstMarked.scrollIntoView({ block: "nearest" });
    }
    function markRecords(records) {
      var set = {};
      records.forEach(function (r) { set[r] = true; });
      mark(function (e) { return !!set[e.record]; });
    }
    function choose(e) {
      choosing = true;
      try {
        if (onMap[e.record]) {
          ctrl.highlight({ records: [e.record] }, { fadeOthers: true });
          ctrl.select(e.record);
        } else {
          var nodes = [].concat(e.frm_iris || [], e.to_iris || []).filter(function (id) { return nodeIds[id]; });
          if (nodes.length) { ctrl.highlight({ nodes: nodes }, { fadeOthers: true }); ctrl.select(nodes[0]); }
        }
      } finally { choosing = false; }
      markRecords([e.record]);
    }
    if (ctrl.on) ctrl.on("select", function (ev) {
      if (choosing || !ev) return;
      if (ev.type === "edge") markRecords(edgeRecords[ev.id] || []);
      else if (ev.type === "node")
        mark(function (e) { return (e.frm_iris || []).indexOf(ev.id) >= 0 || (e.to_iris || []).indexOf(ev.id) >= 0; });
    });
    return { panel: panel, select: function (record) { var it = items.filter(function (i) { return i.entry.record === record; })[0]; if (it) choose(it.entry); }, markRecords: markRecords };
  }
  CG.mountTimeline = mountTimeline;

  // A static map: the element marked data-cg-mount holds the controller once map.js has mounted it.
  function automount() {
    document.querySelectorAll("[data-cg-mount]").forEach(function (node) {
      var ctrl = node.__cgMap;
      if (!ctrl || node.__cgTimeline || !ctrl.document || !ctrl.document.timeline) return;
      node.__cgTimeline = mountTimeline(ctrl, ctrl.document.timeline, { container: node });
      window.cgTimeline = node.__cgTimeline;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", automount);
  else automount();
})();
