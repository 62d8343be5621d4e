/* corpgraph serve: the network views of the app's pages, drawn by the shared front-end (map.js)
   through its controller API only.  Each element marked data-cg-doc names the JSON element holding
   its map document; data-cg-expand offers "Expand" on a node, which fetches the node's busiest
   neighbours from /api/neighbourhood and merges them in.  The path finder's list highlights a
   path on the map when pointed at or focused. */
(function () {
  "use strict";
  if (!window.corpgraph || !window.corpgraph.mountMap) return;

  function neighbours(iri) {
    return fetch("/api/neighbourhood?iri=" + encodeURIComponent(iri), { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.detail || r.statusText);
          return body;
        });
      });
  }

  document.querySelectorAll("[data-cg-doc]").forEach(function (node) {
    const data = document.getElementById(node.getAttribute("data-cg-doc"));
    if (!data) return;
    const options = {};
    if (node.hasAttribute("data-cg-expand")) options.expand = neighbours;
    const map = window.corpgraph.mountMap(node, JSON.parse(data.textContent), options);
    window.cgMap = map;
    document.querySelectorAll("li.cg-path[data-nodes]").forEach(function (item) {
      const nodes = item.getAttribute("data-nodes").split(" ").filter(Boolean);
      function show() { map.highlight({ nodes: nodes }, { fadeOthers: true }); }
      item.tabIndex = 0;
      item.addEventListener("mouseenter", show);
      item.addEventListener("focus", show);
      item.addEventListener("mouseleave", function () { map.reset(); });
    });
  });
  window.cgNetworkReady = true;
})();
