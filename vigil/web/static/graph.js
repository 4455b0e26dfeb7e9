// The interactive network view; without the cytoscape library the neighbours table stands alone.
// Colours come with the data (vigil/palette.py, shared with the report); labels are handles.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  var data = document.getElementById("graph-data");
  if (!box || !data || typeof window.cytoscape !== "function") return;
  var g = JSON.parse(data.textContent);
  var elements = g.nodes.map(function (n) {
    return { data: { id: n.id, label: n.label, role: n.role, caseId: n.case_id, center: n.center ? 1 : 0,
                     colour: n.colour } };
  }).concat(g.edges.map(function (e) {
    return { data: { id: e.id, source: e.source, target: e.target, kind: e.kind, count: e.count,
                     both: e.both ? 1 : 0, link: e.colour ? 1 : 0, colour: e.colour || "#8a8f99" } };
  }));
  box.hidden = false;
  var legend = document.getElementById("graph-legend");
  if (legend) legend.hidden = false;
  var cy = window.cytoscape({
    container: box,
    elements: elements,
    minZoom: 0.5, maxZoom: 2.5, wheelSensitivity: 0.3,
    layout: { name: "concentric", animate: false, padding: 40, minNodeSpacing: 70, avoidOverlap: true, spacingFactor: 1.4,
              concentric: function (n) { return n.data("center") ? 2 : 1; }, levelWidth: function () { return 1; } },
    style: [
      { selector: "node", style: { "label": "data(label)", "font-size": 13, "width": 22, "height": 22,
        "background-color": "data(colour)", "border-width": 1, "border-color": "#555",
        "text-valign": "bottom", "text-margin-y": 5, "color": "#1d2327",
        "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 2 } },
      { selector: "node[center = 1]", style: { "width": 34, "height": 34, "border-width": 4, "border-color": "#000",
        "font-weight": "bold" } },
      { selector: "edge", style: { "width": 2, "curve-style": "straight", "target-arrow-shape": "triangle",
        "line-color": "data(colour)", "target-arrow-color": "data(colour)", "source-arrow-color": "data(colour)",
        "label": "data(kind)", "font-size": 11, "color": "#444", "text-rotation": "autorotate",
        "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 1 } },
      { selector: "edge[both = 1]", style: { "source-arrow-shape": "triangle" } },
      { selector: "edge[link = 1]", style: { "line-style": "dashed", "target-arrow-shape": "none" } }
    ]
  });
  cy.on("tap", "node", function (evt) {
    var id = evt.target.data("caseId");
    if (id) window.location.href = "/cases/" + encodeURIComponent(id);
  });
  box.vigilGraph = cy;  // for the browser test's label checks
  box.setAttribute("data-ready", "1");
})();
