// The interactive network view; without the cytoscape library the neighbours table stands alone.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  var data = document.getElementById("graph-data");
  if (!box || !data || typeof window.cytoscape !== "function") return;
  var g = JSON.parse(data.textContent);
  var colours = { seller: "#b22", buyer: "#d80", facilitator: "#36c", none: "#888", account: "#bbb" };
  var elements = g.nodes.map(function (n) {
    return { data: { id: n.id, label: n.label, role: n.role, caseId: n.case_id, center: n.center ? 1 : 0 } };
  }).concat(g.edges.map(function (e) {
    return { data: { id: e.id, source: e.source, target: e.target, kind: e.kind, count: e.count } };
  }));
  box.hidden = false;
  var cy = window.cytoscape({
    container: box,
    elements: elements,
    layout: { name: "cose", animate: false },
    style: [
      { selector: "node", style: { "label": "data(label)", "font-size": 10, "width": 18, "height": 18,
        "background-color": function (n) { return colours[n.data("role")] || "#bbb"; } } },
      { selector: "node[center = 1]", style: { "width": 30, "height": 30, "border-width": 3, "border-color": "#000" } },
      { selector: "edge", style: { "width": 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle",
        "line-color": "#99a", "target-arrow-color": "#99a", "label": "data(kind)", "font-size": 8 } },
      { selector: "edge[kind = 'same-person']", style: { "line-style": "dashed", "line-color": "#63c" } }
    ]
  });
  cy.on("tap", "node", function (evt) {
    var id = evt.target.data("caseId");
    if (id) window.location.href = "/cases/" + encodeURIComponent(id);
  });
  box.setAttribute("data-ready", "1");
})();
