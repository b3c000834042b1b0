/* The area map: boundaries and houses drawn from the area's GeoJSON with the vendored Leaflet.
 *
 * Everything the script needs comes from the page: the data URL, the tile URL (empty: no tile
 * layer, a plain background, since many installs have no outside network), the interface
 * strings (translated on the server) and the legend, whose items carry each colour category.
 * No inline script, so a Content-Security-Policy without 'unsafe-inline' holds.
 */
(function () {
  "use strict";

  var AREA_STYLE = { color: "#0d3d73", weight: 3, fill: false, interactive: false, className: "area-boundary" };
  var CHILD_STYLE = { color: "#1456a0", weight: 2, dashArray: "6 4", fillColor: "#1456a0", fillOpacity: 0.06, className: "child-boundary" };
  // Fingers need a bigger target than a mouse pointer; bigger still and dense villages blur.
  var HOUSE_RADIUS = window.matchMedia("(pointer: coarse)").matches ? 8 : 7;

  function say(template, count) {
    return template.replace("{count}", String(count));
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(href, text) {
    var a = element("a", "", text);
    a.href = href;
    return a;
  }

  /* The legend's items: {key: {colour, label}}. */
  function readCategories(legend) {
    var categories = {};
    legend.querySelectorAll("[data-category]").forEach(function (item) {
      categories[item.dataset.category] = {
        colour: item.dataset.colour,
        label: item.querySelector(".label").textContent.trim(),
      };
    });
    return categories;
  }

  /* The map fills the window below the page's header; CSS does the sizing once it knows where
   * the map starts. */
  function fitToWindow(el) {
    var top = el.getBoundingClientRect().top + window.scrollY;
    el.style.setProperty("--map-top", Math.round(top) + "px");
  }

  function housePopup(properties, categories, text) {
    var box = element("div", "house-popup");
    box.appendChild(element("strong", "address", properties.address));
    var category = categories[properties.category];
    var facts = properties.use_label + (category ? " · " + category.label : "");
    box.appendChild(element("p", "facts-line", facts));
    var list = element("ul", "links");
    var households = properties.households || [];
    households.forEach(function (household, index) {
      var label = text.household + (households.length > 1 ? " " + (index + 1) : "");
      var item = element("li");
      item.appendChild(link(household.url, label));
      list.appendChild(item);
    });
    if (!households.length) {
      box.appendChild(element("p", "muted", text.noHousehold));
      var item = element("li");
      item.appendChild(link(properties.url, text.house));
      list.appendChild(item);
    }
    box.appendChild(list);
    return box;
  }

  function childPopup(properties, text) {
    var box = element("div", "area-popup");
    box.appendChild(element("strong", "", properties.name));
    if (properties.url) {
      var p = element("p");
      p.appendChild(link(properties.url, text.gridMap));
      box.appendChild(p);
    }
    return box;
  }

  /* A name wider than its area would run into its neighbours' names: it shows once the map is
   * zoomed in far enough for it to fit. */
  function fitLabels(map, areas) {
    areas.eachLayer(function (layer) {
      var tooltip = layer.getTooltip();
      var label = tooltip && tooltip.getElement();
      if (!label) return;
      var bounds = layer.getBounds();
      var width = map.latLngToContainerPoint(bounds.getNorthEast()).x
        - map.latLngToContainerPoint(bounds.getSouthWest()).x;
      label.classList.toggle("map-label-hidden", label.offsetWidth > width - 8);
    });
  }

  function draw(map, data, categories, text) {
    var drawn = L.featureGroup().addTo(map);
    var children = L.geoJSON(data.children, {
      style: function () { return CHILD_STYLE; },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.label, {
          permanent: true, direction: "center", className: "map-label", pane: "labels",
        });
        if (feature.properties.url) layer.bindPopup(childPopup(feature.properties, text));
      },
    }).addTo(drawn);
    map.on("zoomend", function () { fitLabels(map, children); });
    var outline = L.geoJSON(data.area, { style: function () { return AREA_STYLE; } }).addTo(drawn);
    L.geoJSON(data.houses, {
      pointToLayer: function (feature, latlng) {
        var category = categories[feature.properties.category] || categories.none;
        return L.circleMarker(latlng, {
          radius: HOUSE_RADIUS,
          color: "#ffffff",
          weight: 2,
          fillColor: category.colour,
          fillOpacity: 0.95,
          className: "house-marker house-" + feature.properties.category,
          pane: "houses",
        });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () { return housePopup(feature.properties, categories, text); });
      },
    }).addTo(drawn);
    // The area's own outline frames the view; without one, whatever was drawn does.
    var bounds = outline.getLayers().length ? outline.getBounds() : drawn.getBounds();
    var placed = true;
    if (bounds.isValid()) {
      // Keep houses in the corner clear of the zoom buttons.
      map.fitBounds(bounds, { paddingTopLeft: [56, 16], paddingBottomRight: [16, 16], maxZoom: 18 });
    } else if (data.centre) {
      map.setView(data.centre, 16);
    } else {
      map.setView([0, 0], 2);
      placed = false;
    }
    fitLabels(map, children);
    return placed;
  }

  function init(el) {
    var legend = document.getElementById(el.dataset.legend);
    var status = document.getElementById(el.dataset.status);
    var text = {
      count: el.dataset.textCount,
      unplaced: el.dataset.textUnplaced,
      empty: el.dataset.textEmpty,
      error: el.dataset.textError,
      household: el.dataset.textHousehold,
      house: el.dataset.textHouse,
      noHousehold: el.dataset.textNoHousehold,
      gridMap: el.dataset.textGridMap,
    };
    var categories = readCategories(legend);

    fitToWindow(el);
    // No view yet: layers (and tiles) load once the data has said where to look.
    var map = L.map(el, { zoomSnap: 0.25, maxZoom: 19, attributionControl: Boolean(el.dataset.tileUrl) });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    }
    // Area names sit above the outlines but below the houses, so a label never hides a house.
    map.createPane("labels").style.zIndex = 420;
    map.getPane("labels").style.pointerEvents = "none";
    map.createPane("houses").style.zIndex = 430;

    window.addEventListener("resize", function () {
      fitToWindow(el);
      map.invalidateSize();
    });

    fetch(el.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var placed = draw(map, data, categories, text);
        var lines = [say(text.count, data.houses.features.length)];
        if (data.unplaced) lines.push(say(text.unplaced, data.unplaced));
        if (!placed) lines.push(text.empty);
        status.textContent = lines.join(" · ");
        el.dataset.ready = "true";
      })
      .catch(function () {
        status.textContent = text.error;
        status.classList.add("error");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(init);
  });
})();
