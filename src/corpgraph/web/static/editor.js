/* corpgraph serve: the SPARQL editor page.  YASGUI (vendored, unmodified) over the form's textarea,
   set up for offline use: the endpoint is this server's /sparql, no prefix service, no class or
   property completion from outside vocabularies, nothing kept between visits.  corpgraph's prefixes
   are declared in the query; answers show as the raw response (text).  "Run here" sends the query through the page's URL (a permalink);
   "Show as a network" opens the entities the answer names as a network view. */
(function () {
  "use strict";
  const host = document.getElementById("cg-yasgui");
  const form = document.getElementById("cg-editor-form");
  const area = document.getElementById("cg-sparql");
  if (!host || !form || !area || typeof window.Yasgui === "undefined") return;
  const endpoint = new URL(host.getAttribute("data-endpoint") || "/sparql", window.location.href).href;
  let prefixes = {};
  try { prefixes = JSON.parse(host.getAttribute("data-prefixes") || "{}"); } catch (e) { prefixes = {}; }

  const Yasgui = window.Yasgui;
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(
    function (name) { return name !== "property" && name !== "class"; });
  // YASR's table inserts literal values as HTML (a label "<img onerror=...>" became an element: only
  // the CSP kept it from running). Answers show here as the raw response, which is text; the table
  // is the page's own ("Run here"), escaped like every page of the app.
  Object.keys(Yasgui.Yasr.plugins).forEach(function (name) {
    if (name !== "response") delete Yasgui.Yasr.plugins[name];
  });
  const yasgui = new Yasgui(host, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    populateFromUrl: false,
    persistenceId: null,
    corsProxy: undefined,
    copyEndpointOnNewTab: true,
    yasqe: { prefixCcApi: null },
    yasr: { pluginOrder: ["response"], defaultPlugin: "response" },
  });
  const yasqe = yasgui.getTab().getYasqe();
  yasqe.setValue(area.value);
  const declared = {};
  (area.value.match(/PREFIX\s+([A-Za-z][\w-]*)?:/gi) || []).forEach(function (m) {
    declared[m.replace(/PREFIX\s+/i, "").replace(":", "").toLowerCase()] = true;
  });
  const missing = {};
  Object.keys(prefixes).forEach(function (p) { if (!declared[p.toLowerCase()]) missing[p] = prefixes[p]; });
  yasqe.addPrefixes(missing);
  area.hidden = true;
  window.cgYasgui = yasgui;

  form.addEventListener("submit", function () { area.value = yasqe.getValue(); });
  const graph = document.createElement("button");
  graph.type = "button";
  graph.id = "cg-as-network";
  graph.textContent = "Show as a network";
  graph.addEventListener("click", function () {
    window.location.assign("/map?" + new URLSearchParams({ sparql: yasqe.getValue() }).toString());
  });
  form.append(graph);
  window.cgEditorReady = true;
})();
