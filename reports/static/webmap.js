/* portrait: choropleth maps of communes or IRIS on a folium (Leaflet) map, offline.
   The data comes from a local file (window.PORTRAIT_*); text is inserted with textContent only. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function ensureHatch(map) {
    var svg = map.getPanes().overlayPane.querySelector("svg");
    if (!svg || svg.querySelector("#portrait-hatch")) return;
    var ns = "http://www.w3.org/2000/svg";
    var defs = document.createElementNS(ns, "defs");
    var pattern = document.createElementNS(ns, "pattern");
    pattern.setAttribute("id", "portrait-hatch");
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "6");
    pattern.setAttribute("height", "6");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var back = document.createElementNS(ns, "rect");
    back.setAttribute("width", "6"); back.setAttribute("height", "6"); back.setAttribute("fill", "#eeeeee");
    var line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "0"); line.setAttribute("y1", "0"); line.setAttribute("x2", "0"); line.setAttribute("y2", "6");
    line.setAttribute("stroke", "#888888"); line.setAttribute("stroke-width", "2");
    pattern.appendChild(back); pattern.appendChild(line); defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  window.portraitMap = function (map, data, options) {
    options = options || {};
    var state = { indicator: data.default };
    var container = map.getContainer();

    function item(code) {
      var indicator = data.indicators[state.indicator];
      return indicator ? indicator.values[code] : null;
    }

    function style(feature) {
      var indicator = data.indicators[state.indicator];
      var value = item(feature.id);
      var own = options.highlight && feature.id === options.highlight;
      var missing = !value || value.c < 0;
      return {
        fillColor: missing ? indicator.missing : indicator.colours[value.c],
        fillOpacity: 0.85,
        color: own ? "#000000" : "#ffffff",
        weight: own ? 3.5 : 1,
        className: missing ? "portrait-missing" : "portrait-area"
      };
    }

    function tooltip(layer) {
      var feature = layer.feature;
      var indicator = data.indicators[state.indicator];
      var value = item(feature.id) || { t: "n.d." };
      var box = el("div", "portrait-tooltip");
      box.appendChild(el("strong", "", feature.properties.name));
      box.appendChild(el("div", "", indicator.label + " (" + indicator.vintage + ") : " + value.t));
      if (value.r) box.appendChild(el("div", "portrait-rank", value.r));
      if (value.n) box.appendChild(el("div", "portrait-note", value.n));
      return box;
    }

    var layer = L.geoJSON(data.features, {
      style: style,
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindTooltip(tooltip, { sticky: true });
        if (feature.properties.href) {
          featureLayer.on("click", function () {
            window.top.location.href = (options.linkPrefix || "") + feature.properties.href + "/index.html";
          });
        }
      }
    }).addTo(map);
    layer.eachLayer(function (l) {
      if (l._path) {
        l._path.setAttribute("data-code", l.feature.id);
        l._path.setAttribute("aria-label", l.feature.properties.name);
      }
      if (l.feature.id === options.highlight) l.bringToFront();
    });

    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = el("div", "portrait-legend");
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    legend.addTo(map);

    function drawLegend() {
      var indicator = data.indicators[state.indicator];
      var div = legend.getContainer();
      div.textContent = "";
      div.appendChild(el("div", "portrait-legend-title", indicator.label + " (" + indicator.vintage + ")" + (indicator.unit ? ", " + indicator.unit : "")));
      indicator.legend.forEach(function (label, n) {
        var row = el("div", "portrait-legend-row");
        var swatch = el("span", "portrait-swatch");
        swatch.style.background = indicator.colours[n];
        row.appendChild(swatch);
        row.appendChild(el("span", "", label));
        div.appendChild(row);
      });
      var missing = Object.keys(indicator.values).some(function (k) { return indicator.values[k].c < 0; });
      if (missing) {
        var row = el("div", "portrait-legend-row");
        row.appendChild(el("span", "portrait-swatch portrait-swatch-missing"));
        row.appendChild(el("span", "", options.missingLabel || "n.d. (valeur non disponible)"));
        div.appendChild(row);
      }
    }

    function restyle() {
      layer.setStyle(style);
      if (options.hatchMissing) {
        ensureHatch(map);
        layer.eachLayer(function (l) {
          var value = item(l.feature.id);
          if (l._path && (!value || value.c < 0)) l._path.setAttribute("fill", "url(#portrait-hatch)");
        });
      }
      drawLegend();
      container.setAttribute("data-indicator", state.indicator);
    }

    if (data.themes.length && (data.themes.length > 1 || data.themes[0].indicators.length > 1)) {
      var picker = L.control({ position: "topright" });
      picker.onAdd = function () {
        var div = el("div", "portrait-picker");
        var label = el("label", "", "Indicateur");
        var select = el("select");
        select.id = container.id + "-indicator";
        label.setAttribute("for", select.id);
        data.themes.forEach(function (theme) {
          var group = el("optgroup");
          group.label = theme.label;
          theme.indicators.forEach(function (id) {
            var option = el("option", "", data.indicators[id].label);
            option.value = id;
            if (id === state.indicator) option.selected = true;
            group.appendChild(option);
          });
          select.appendChild(group);
        });
        select.addEventListener("change", function () { state.indicator = select.value; restyle(); });
        div.appendChild(label);
        div.appendChild(select);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      };
      picker.addTo(map);
    }

    if (data.markers && data.markers.length) {
      var markers = L.layerGroup(data.markers.map(function (feature) {
        var box = el("div", "portrait-tooltip");
        box.appendChild(el("strong", "", feature.properties.name + " (" + feature.properties.count + " observation" + (feature.properties.count > 1 ? "s" : "") + ")"));
        box.appendChild(el("div", "portrait-note", feature.properties.text));
        var coords = feature.geometry.coordinates;
        return L.circleMarker([coords[1], coords[0]], { radius: 7, color: "#1d2330", weight: 2, fillColor: "#ffffff", fillOpacity: 1, className: "portrait-observation" }).bindPopup(box);
      }));
      markers.addTo(map);
      L.control.layers(null, { "Ce qu'en disent les acteurs": markers }, { collapsed: false, position: "topleft" }).addTo(map);
    }
    map.options.zoomSnap = 0.25;
    map.fitBounds(data.bounds, { padding: [10, 10] });
    restyle();
    window.portraitState = { map: map, layer: layer, state: state, restyle: restyle };
  };
})();
