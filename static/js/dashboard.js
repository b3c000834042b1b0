/* The dashboards: ECharts panels and the Leaflet map of grids coloured by open work orders.
 *
 * Everything comes from the page's data- attributes (no inline script, so the site's
 * Content-Security-Policy holds). htmx swaps the figures every 30 s: charts are disposed
 * before the swap and drawn again after it; the map element is preserved (hx-preserve) and only
 * recoloured from #map-counts. Clicking a bar or a slice opens the list behind it.
 */
(function () {
  "use strict";

  var PALETTE = ["#4aa3ff", "#4fd18b", "#ffb547", "#ff6b5e", "#b18cff", "#3dd6d0", "#f27bc4", "#c8d65a"];
  var TEXT = "#c9d7ea";
  // The map's classes come with the figures (#map-counts data-classes): quantiles of the
  // area's own open orders per grid, computed on the server (dashboard/classes.py).
  var classes = [];
  var map = null;
  var layers = {};
  // 未诉先办: the area's current hotspots (#map-counts data-hotspots), drawn over the grids in
  // magenta, a colour none of the grid classes uses; the legend's checkbox shows or hides them.
  var HOTSPOT = "#ff3df2";
  var hotspots = null;

  function readJson(el, name) {
    try {
      return JSON.parse(el.getAttribute(name) || "null");
    } catch (e) {
      return null;
    }
  }

  function axisStyle() {
    return {
      axisLabel: { color: TEXT, fontSize: 12 },
      axisLine: { lineStyle: { color: "#35557d" } },
      splitLine: { lineStyle: { color: "#1f3a5c" } },
    };
  }

  function option(kind, data) {
    var base = {
      backgroundColor: "transparent",
      color: PALETTE,
      textStyle: { color: TEXT },
      tooltip: { trigger: kind === "pie" ? "item" : "axis", renderMode: "richText" },
      animation: false,
    };
    if (kind === "pie") {
      base.series = [{
        type: "pie",
        radius: ["40%", "70%"],
        label: { color: TEXT, formatter: "{b} {c}" },
        data: data.labels.map(function (label, i) {
          return { name: label, value: data.series[0].values[i] };
        }),
      }];
      return base;
    }
    var horizontal = kind === "hbar" || kind === "units";
    var categoryAxis = Object.assign({ type: "category", data: data.labels }, axisStyle());
    var valueAxis = Object.assign({ type: "value", minInterval: 1 }, axisStyle());
    if (kind === "units") {
      valueAxis.max = 100;
      categoryAxis.inverse = true;
      base.legend = { top: 0, textStyle: { color: TEXT } };
    } else if (!horizontal) {
      categoryAxis.axisLabel.interval = 0;
      categoryAxis.axisLabel.rotate = data.labels.length > 6 ? 35 : 0;
    }
    if (kind === "hbar") categoryAxis.inverse = true;
    base.grid = { left: 8, right: 16, top: kind === "units" ? 28 : 10, bottom: 4, containLabel: true };
    base.xAxis = horizontal ? valueAxis : categoryAxis;
    base.yAxis = horizontal ? categoryAxis : valueAxis;
    base.series = data.series.map(function (s, i) {
      return {
        type: "bar",
        name: s.name,
        data: s.values,
        barMaxWidth: 26,
        label: { show: kind !== "units", position: horizontal ? "right" : "top", color: TEXT },
        itemStyle: kind === "units" ? undefined : { color: PALETTE[i] },
      };
    });
    return base;
  }

  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = readJson(el, "data-chart-data");
      if (!data) return;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(el.dataset.chart, data));
      chart.on("click", function (params) {
        var url = data.urls && data.urls[params.dataIndex];
        if (url) window.location.assign(url);
      });
    });
  }

  function disposeCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.dispose();
    });
  }

  function colourFor(count) {
    for (var i = 0; i < classes.length; i++) {
      if (count <= classes[i].high) return classes[i].colour;
    }
    return classes.length ? classes[classes.length - 1].colour : "#ffe9a8";
  }

  function redrawLegend() {
    var legend = document.getElementById("map-legend");
    if (!legend) return;
    legend.textContent = "";
    classes.forEach(function (c, i) {
      var item = document.createElement("li");
      item.dataset.class = String(i);
      var swatch = document.createElement("span");
      swatch.className = "swatch shade-" + c.shade;
      var range = document.createElement("span");
      range.className = "range";
      range.textContent = c.label;
      item.appendChild(swatch);
      item.appendChild(range);
      legend.appendChild(item);
    });
  }

  function recolour() {
    var holder = document.getElementById("map-counts");
    var counts = holder ? readJson(holder, "data-counts") || {} : {};
    classes = holder ? readJson(holder, "data-classes") || [] : [];
    redrawLegend();
    var label = document.getElementById("dash-map").dataset.openLabel;
    Object.keys(layers).forEach(function (id) {
      var count = counts[id] || 0;
      var colour = colourFor(count);
      layers[id].layer.setStyle({ fillColor: colour });
      layers[id].layer.eachLayer(function (shape) {
        if (shape.getElement && shape.getElement()) shape.getElement().dataset.fill = colour;
      });
      layers[id].layer.setTooltipContent(layers[id].name + " · " + count + " " + label);
      layers[id].count = count;
    });
  }

  function drawHotspots() {
    var holder = document.getElementById("map-counts");
    var rows = holder ? readJson(holder, "data-hotspots") || [] : [];
    var label = document.getElementById("dash-map").dataset.reportsLabel;
    hotspots.clearLayers();
    rows.forEach(function (h) {
      var marker = window.L.circleMarker([h.lat, h.lng], {
        radius: 6 + Math.min(h.count, 12),
        color: "#ffffff",
        weight: 2,
        fillColor: HOTSPOT,
        fillOpacity: 0.85,
        className: "hotspot-marker",
      });
      marker.bindTooltip(h.label + " · " + h.count + " " + label);
      if (h.url) {
        marker.on("click", function () { window.location.assign(h.url); });
      }
      marker.addTo(hotspots);
      var el = marker.getElement && marker.getElement();
      if (el) el.dataset.hotspot = String(h.id);
    });
    var count = document.getElementById("hotspots-count");
    if (count) count.textContent = String(rows.length);
  }

  function drawMap() {
    var el = document.getElementById("dash-map");
    if (!el || !window.L || map) return;
    var grids = readJson(el, "data-grids") || [];
    map = window.L.map(el, { zoomControl: false, attributionControl: false, zoomSnap: 0.25 });
    var group = window.L.featureGroup().addTo(map);
    grids.forEach(function (grid) {
      var layer = window.L.geoJSON(grid.boundary, {
        style: { color: "#9fc6ff", weight: 1, fillOpacity: 0.75, fillColor: "#ffe9a8" },
      });
      layer.bindTooltip(grid.name, { sticky: true });
      layer.on("click", function () { window.location.assign(grid.url); });
      layer.addTo(group);
      layers[grid.id] = { layer: layer, name: grid.name };
    });
    if (grids.length) {
      map.fitBounds(group.getBounds(), { padding: [12, 12] });
    } else {
      map.setView([32.478, 119.3775], 12);
    }
    recolour();
    hotspots = window.L.featureGroup();
    var toggle = document.getElementById("hotspots-toggle");
    if (!toggle || toggle.checked) hotspots.addTo(map);
    drawHotspots();
    if (toggle) {
      toggle.addEventListener("change", function () {
        if (toggle.checked) hotspots.addTo(map);
        else map.removeLayer(hotspots);
      });
    }
    window.addEventListener("resize", function () {
      map.invalidateSize();
      document.querySelectorAll("[data-chart]").forEach(function (chartEl) {
        var chart = window.echarts && window.echarts.getInstanceByDom(chartEl);
        if (chart) chart.resize();
      });
    });
  }

  function start() {
    drawMap();
    drawCharts(document);
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "dash-live") {
        disposeCharts(event.detail.target);
      }
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var live = document.getElementById("dash-live");
      if (live && event.detail.target && event.detail.target.id === "dash-live") {
        drawCharts(live);
        recolour();
        if (hotspots) drawHotspots();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
