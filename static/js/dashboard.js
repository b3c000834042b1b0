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
  var LEVELS = [
    { max: 0, colour: "#1c7c54" },
    { max: 2, colour: "#d9b43b" },
    { max: 5, colour: "#e57a2e" },
    { max: Infinity, colour: "#d6342c" },
  ];
  var map = null;
  var layers = {};

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
    for (var i = 0; i < LEVELS.length; i++) {
      if (count <= LEVELS[i].max) return LEVELS[i].colour;
    }
    return LEVELS[LEVELS.length - 1].colour;
  }

  function recolour() {
    var holder = document.getElementById("map-counts");
    var counts = holder ? readJson(holder, "data-counts") || {} : {};
    var label = document.getElementById("dash-map").dataset.openLabel;
    Object.keys(layers).forEach(function (id) {
      var count = counts[id] || 0;
      layers[id].layer.setStyle({ fillColor: colourFor(count) });
      layers[id].layer.setTooltipContent(layers[id].name + " · " + count + " " + label);
    });
  }

  function drawMap() {
    var el = document.getElementById("dash-map");
    if (!el || !window.L || map) return;
    var grids = readJson(el, "data-grids") || [];
    map = window.L.map(el, { zoomControl: false, attributionControl: false, zoomSnap: 0.25 });
    var group = window.L.featureGroup().addTo(map);
    grids.forEach(function (grid) {
      var layer = window.L.geoJSON(grid.boundary, {
        style: { color: "#9fc6ff", weight: 1, fillOpacity: 0.75, fillColor: LEVELS[0].colour },
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
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
