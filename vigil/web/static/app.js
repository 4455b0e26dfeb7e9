// Small enhancements only: every page works without this file.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  document.querySelectorAll("input.select-all").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('input[name="case_id"]').forEach(function (b) { b.checked = box.checked; });
    });
  });

  // Reveal one blurred media tile; the server logs the reveal before answering.
  function reveal(tile) {
    if (!tile.classList.contains("blurred")) return;
    fetch(tile.getAttribute("data-reveal-url"), {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }
    }).then(function (r) {
      if (!r.ok) throw new Error("reveal refused: " + r.status);
      return r.json();
    }).then(function (info) {
      tile.classList.remove("blurred");
      tile.classList.add("revealed");
      var cap = tile.querySelector("figcaption");
      cap.textContent = "Revealed (logged): " + (info.media_id || "profile image") + " · " + info.bank +
        " · distance " + info.distance + " · no media bytes are stored";
    }).catch(function (e) { tile.querySelector("figcaption").textContent = String(e.message); });
  }
  document.querySelectorAll(".media-tile[data-reveal-url]").forEach(function (tile) {
    tile.addEventListener("click", function () { reveal(tile); });
    tile.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") reveal(tile); });
  });
})();
