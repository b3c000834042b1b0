/* The hotspots page: a small Leaflet map per hotspot, drawn from its data-points attribute
 * (JSON: lat, lng, label, url). No tile layer (no outside network): the reports on a plain
 * background, which is what a dispatcher needs to see how close together they are. */
(function () {
  "use strict";
  if (!window.L) return;
  document.querySelectorAll(".hotspot-map[data-points]").forEach(function (el) {
    var points = JSON.parse(el.dataset.points || "[]");
    if (!points.length) return;
    var map = L.map(el, { zoomControl: false, attributionControl: false, scrollWheelZoom: false });
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lng], { radius: 8, color: "#a1261d", weight: 2, fillOpacity: 0.5 }).addTo(map);
      if (p.label) marker.bindTooltip(p.label);
      if (p.url) marker.on("click", function () { window.location.href = p.url; });
      bounds.push([p.lat, p.lng]);
    });
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  });
})();
