/* Khuen Khon Dee: the little the pages need from the browser. Everything works without it. */
(function () {
  "use strict";

  // A button marked data-once is disabled after its form is sent, so a double-click sends once.
  // (The server also refuses duplicates: hand-offs carry an idempotency key, case changes a version.)
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button[data-once]");
    if (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  // Coming back with the browser's Back button shows the page as it was left, button disabled: free it.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("button[data-once]").forEach(function (button) { button.disabled = false; });
    }
  });

  // The case page keeps its stages' and hand-offs' states current while it is open.
  function refresh(section) {
    fetch(section.dataset.live, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.handoffs.forEach(function (h) { update(section.querySelectorAll('[data-handoff="' + h.id + '"]'), "handoff-", h.state, h.label); });
        data.stages.forEach(function (s) { update(section.querySelectorAll('[data-stage="' + s.id + '"]'), "stage-", s.state, s.label); });
      })
      .catch(function () { /* offline in the field: try again next time */ });
  }

  function update(nodes, prefix, state, label) {
    nodes.forEach(function (node) {
      node.className = node.className.replace(new RegExp(prefix + "[a-z_]+", "g"), prefix + state);
      node.textContent = label;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.querySelector("[data-live]");
    if (section) {
      window.setInterval(function () { if (!document.hidden) { refresh(section); } }, 30000);
    }
  });
})();

/* Charts: a div with data-figure holds Plotly JSON; plotly.min.js is served by the project. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("[data-figure]").forEach(function (node) {
    if (window.Plotly) {
      var figure = JSON.parse(node.dataset.figure);
      window.Plotly.newPlot(node, figure.data, figure.layout, { displayModeBar: false, responsive: true });
    }
  });
});
