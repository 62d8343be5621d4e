/* corpgraph serve: the app's own script (no inline script anywhere: the CSP forbids it).
   Type-ahead on every input marked data-typeahead ("go": open the entity's page; "fill": put the
   entity's IRI in the field).  Every string from the data reaches the page through textContent. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    let t = null;
    return function () {
      const args = arguments;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function typeahead(input) {
    const mode = input.getAttribute("data-typeahead");
    const list = document.createElement("ul");
    list.className = "cg-typeahead";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-autocomplete", "list");
    input.insertAdjacentElement("afterend", list);
    let hits = [];
    let active = -1;
    let asked = 0;

    function choose(hit) {
      list.hidden = true;
      if (mode === "go") {
        window.location.assign(hit.href);  // an app path built by the server: /entity/<slug>
      } else {
        input.value = hit.iri;
      }
    }

    function show() {
      list.replaceChildren();
      hits.forEach(function (hit, i) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.className = i === active ? "cg-active" : "";
        const name = document.createElement("span");
        name.className = "cg-hit-label";
        name.textContent = hit.label;
        const type = document.createElement("span");
        type.className = "cg-hit-type";
        type.textContent = hit.type + (hit.matched ? " · " + hit.matched : "");
        li.append(name, type);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(hit); });
        list.append(li);
      });
      list.hidden = hits.length === 0;
    }

    const ask = debounce(function () {
      const text = input.value.trim();
      if (text.length < 2) { hits = []; show(); return; }
      const mine = ++asked;
      fetch("/api/search?limit=8&q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
        .then(function (data) {
          if (mine !== asked) return;  // an older answer arriving late
          hits = data.hits || [];
          active = -1;
          show();
        })
        .catch(function () { hits = []; show(); });
    }, 120);

    input.addEventListener("input", ask);
    input.addEventListener("blur", function () { list.hidden = true; });
    input.addEventListener("keydown", function (ev) {
      if (list.hidden || !hits.length) return;
      if (ev.key === "ArrowDown") { active = (active + 1) % hits.length; show(); ev.preventDefault(); }
      else if (ev.key === "ArrowUp") { active = (active - 1 + hits.length) % hits.length; show(); ev.preventDefault(); }
      else if (ev.key === "Enter" && active >= 0) { choose(hits[active]); ev.preventDefault(); }
      else if (ev.key === "Escape") { list.hidden = true; }
    });
  }

  document.querySelectorAll("input[data-typeahead]").forEach(typeahead);
  window.cgAppReady = true;
})();
