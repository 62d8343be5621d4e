/* corpgraph stories: a map read step by step (`corpgraph map --story FILE`), as Oligrapher's
 * annotations do.  Each step highlights its entities and records and fades the rest; readers step
 * with the buttons or the ← and → keys; the step is kept in the URL (#story=N).  Every step lists
 * the records it highlights with their quotes and sources.
 *
 *   window.corpgraph.mountStory(controller, story, {container})   // the app, or any page
 *
 * A static map mounts its story itself: the map document's `story` key (render.map_document plus
 * story.story_document).  Uses only the map's controller (highlight, reset, focus, getState,
 * setState and extendState); everything from the data becomes DOM text (textContent), and links are
 * made only of http(s) URLs.
 */
(function () {
  "use strict";
  var CG = (window.corpgraph = window.corpgraph || {});

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function css(node, props) { Object.keys(props).forEach(function (k) { node.style[k] = props[k]; }); return node; }
  function isWebUrl(url) { return typeof url === "string" && /^https?:\/\//i.test(url); }
  function stepFromHash() {
    var m = /(?:^#|&)story=(\d+)(?:&|$)/.exec(location.hash || "");
    return m ? parseInt(m[1], 10) : null;
  }

  function sourceLine(s) {
    var li = el("li", null, "cg-story-source");
    li.appendChild(document.createTextNode("Source: "));
    if (isWebUrl(s.url)) {
      var a = el("a", s.title); a.href = s.url; a.target = "_blank"; a.rel = "noopener noreferrer";
      li.appendChild(a);
    } else li.appendChild(document.createTextNode(String(s.title || "")));
    var meta = [s.publisher, s.issued].filter(function (x) { return x; }).join(", ");
    if (meta) li.appendChild(document.createTextNode(" (" + meta + ")"));
    return li;
  }

  function factItem(f) {
    var li = el("li", null, "cg-story-fact");
    li.setAttribute("data-record", String(f.record));
    var bits = [f.amount, f.date].filter(function (x) { return x; });
    li.appendChild(el("span", f.text + (bits.length ? " — " + bits.join(", ") : "") + (f.certainty ? " [" + f.certainty + "]" : ""), "cg-story-fact-text"));
    (f.quotes || []).forEach(function (q) { li.appendChild(css(el("q", q, "cg-story-quote"), { display: "block", fontStyle: "italic", margin: "2px 0 0 8px" })); });
    var srcs = el("ul", null, "cg-story-sources");
    css(srcs, { margin: "2px 0 4px 8px", padding: "0", listStyle: "none" });
    (f.sources || []).forEach(function (s) { srcs.appendChild(sourceLine(s)); });
    li.appendChild(srcs);
    return li;
  }

  function mountStory(ctrl, story, options) {
    options = options || {};
    var steps = (story && story.steps) || [];
    if (!steps.length) return null;
    var host = options.container || document.body;
    // Beside the map, at the top of its side panel, when the page shows one; over the map, in its
    // lower left corner, in the embed (whose side panel is folded away).
    var side = host.querySelector(".cg-side");
    var beside = !!side && !side.hidden && !options.embed;
    var box = beside ? side : host.querySelector(".cg-canvas-wrap") || host;
    var panel = el("section", null, "cg-story");
    panel.id = "cg-story";
    panel.setAttribute("aria-label", "Story" + (story.title ? ": " + story.title : ""));
    css(panel, {
      background: "rgba(255,255,255,0.95)", border: "1px solid #bbb", borderRadius: "4px", padding: "6px 10px",
      font: "13px/1.35 Helvetica, Arial, sans-serif", color: "#222", overflow: "auto"
    });
    if (beside) css(panel, { margin: "0 0 10px 0" });
    else {
      css(panel, { position: "absolute", left: "8px", bottom: "8px", zIndex: "5", maxWidth: "min(30em, calc(100% - 16px))", maxHeight: "60%" });
      if (getComputedStyle(box).position === "static") box.style.position = "relative";
    }
    var head = css(el("div", null, "cg-story-head"), { display: "flex", gap: "8px", alignItems: "baseline", flexWrap: "wrap" });
    if (story.title) head.appendChild(el("strong", story.title, "cg-story-title"));
    var count = el("span", "", "cg-story-count"); count.id = "cg-story-count"; count.setAttribute("aria-live", "polite");
    head.appendChild(count);
    var fold = el("button", "Hide", "cg-story-fold"); fold.type = "button"; fold.id = "cg-story-fold";
    fold.setAttribute("aria-expanded", "true"); fold.setAttribute("aria-controls", "cg-story-body");
    css(fold, { marginLeft: "auto" });
    head.appendChild(fold);
    var prev = el("button", "← Previous"), next = el("button", "Next →");
    prev.type = next.type = "button"; prev.id = "cg-story-prev"; next.id = "cg-story-next";
    prev.setAttribute("aria-label", "Previous step"); next.setAttribute("aria-label", "Next step");
    var nav = css(el("nav", null, "cg-story-nav"), { display: "flex", gap: "6px", margin: "4px 0" });
    nav.setAttribute("aria-label", "Story steps");
    nav.appendChild(prev); nav.appendChild(next);
    var intro = el("div", null, "cg-story-intro"); intro.id = "cg-story-intro";
    (story.intro || []).forEach(function (p) { intro.appendChild(css(el("p", p), { margin: "2px 0" })); });
    var title = css(el("h2", "", "cg-story-step-title"), { fontSize: "15px", margin: "4px 0 2px" }); title.id = "cg-story-step-title";
    var caption = el("div", null, "cg-story-caption"); caption.id = "cg-story-caption";
    var details = el("details", null, "cg-story-records"), summary = el("summary", "");
    details.appendChild(summary);
    var facts = el("ol", null, "cg-story-facts"); facts.id = "cg-story-facts";
    css(facts, { margin: "2px 0", paddingLeft: "1.4em" });
    details.appendChild(facts);
    details.open = !(options.embed || document.body.classList.contains("cg-embed"));
    var body = el("div", null, "cg-story-body"); body.id = "cg-story-body";
    body.appendChild(intro); body.appendChild(title); body.appendChild(caption); body.appendChild(details);
    panel.appendChild(head); panel.appendChild(nav); panel.appendChild(body);
    if (beside) box.insertBefore(panel, box.firstChild); else box.appendChild(panel);
    fold.addEventListener("click", function () {
      body.hidden = !body.hidden;
      fold.textContent = body.hidden ? "Show" : "Hide";
      fold.setAttribute("aria-expanded", String(!body.hidden));
    });

    // the step the URL names, read now: the map rewrites the URL when it settles, before the story starts
    var current = Math.max(0, Math.min(steps.length, stepFromHash() || 0));
    function show(n, fromState) {
      n = Math.max(1, Math.min(steps.length, parseInt(n, 10) || 1));
      current = n;
      var step = steps[n - 1];
      count.textContent = "Step " + n + " of " + steps.length;
      intro.hidden = n !== 1;
      title.textContent = step.title || "";
      while (caption.firstChild) caption.removeChild(caption.firstChild);
      (step.caption || []).forEach(function (p) { caption.appendChild(css(el("p", p), { margin: "2px 0" })); });
      while (facts.firstChild) facts.removeChild(facts.firstChild);
      (step.facts || []).forEach(function (f) { facts.appendChild(factItem(f)); });
      summary.textContent = "Records and sources (" + (step.facts || []).length + ")";
      details.hidden = !(step.facts || []).length;
      prev.disabled = n === 1; next.disabled = n === steps.length;
      ctrl.reset();
      if ((step.nodes || []).length || (step.records || []).length)
        ctrl.highlight({ nodes: step.nodes || [], records: step.records || [] }, { fadeOthers: step.fade !== false });
      if ((step.focus || []).length) ctrl.focus(step.focus);
      if (!fromState && ctrl.setState && ctrl.getState) ctrl.setState(ctrl.getState());  // writes the step into the URL
      panel.setAttribute("data-step", String(n));
    }
    if (ctrl.extendState) ctrl.extendState("story", function () { return current ? String(current) : null; }, function (v) { if (+v !== current) { if (started) show(v, true); else current = +v || current; } });
    prev.addEventListener("click", function () { show(current - 1); });
    next.addEventListener("click", function () { show(current + 1); });
    document.addEventListener("keydown", function (ev) {
      var t = ev.target, tag = t && t.tagName ? t.tagName.toLowerCase() : "";
      if (ev.altKey || ev.ctrlKey || ev.metaKey || tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) return;
      if (ev.key === "ArrowRight" && current < steps.length) { show(current + 1); ev.preventDefault(); }
      else if (ev.key === "ArrowLeft" && current > 1) { show(current - 1); ev.preventDefault(); }
    });
    var started = false;
    function start() { if (!started) { started = true; show(current || 1, false); } }
    if (window.cgSettled === true || options.settled) start();
    else if (ctrl.on) { ctrl.on("settled", start); setTimeout(start, 25000); }
    else start();
    return { show: function (n) { show(n); }, step: function () { return current; }, panel: panel };
  }
  CG.mountStory = mountStory;

  // A static map: the element marked data-cg-mount holds the controller once map.js has mounted it.
  function automount() {
    document.querySelectorAll("[data-cg-mount]").forEach(function (node) {
      var ctrl = node.__cgMap;
      if (!ctrl || node.__cgStory || !ctrl.document || !ctrl.document.story) return;
      node.__cgStory = mountStory(ctrl, ctrl.document.story, { container: node });
      window.cgStory = node.__cgStory;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", automount);
  else automount();
})();
