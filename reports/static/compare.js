/* Two communes side by side from the shared map data (window.PORTRAIT_COMMUNES), largest gaps first. */
(function () {
  "use strict";
  var data = window.PORTRAIT_COMMUNES;
  var selectA = document.getElementById("compare-a"), selectB = document.getElementById("compare-b");
  var body = document.querySelector("#compare-table tbody");
  var features = data.features.features.slice().sort(function (x, y) {
    return x.properties.name.localeCompare(y.properties.name, "fr");
  });
  features.forEach(function (feature, n) {
    [selectA, selectB].forEach(function (select, which) {
      var option = document.createElement("option");
      option.value = feature.id;
      option.textContent = feature.properties.name;
      if ((which === 0 && n === 0) || (which === 1 && n === 1)) option.selected = true;
      select.appendChild(option);
    });
  });
  function spread(values) {
    var known = values.filter(function (v) { return typeof v === "number"; });
    if (known.length < 2) return 0;
    var mean = known.reduce(function (s, v) { return s + v; }, 0) / known.length;
    return Math.sqrt(known.reduce(function (s, v) { return s + (v - mean) * (v - mean); }, 0) / known.length);
  }
  function cell(row, text, className) {
    var td = document.createElement(row.children.length ? "td" : "th");
    if (!row.children.length) td.scope = "row";
    if (className) td.className = className;
    td.textContent = text;
    row.appendChild(td);
  }
  function render() {
    var a = selectA.value, b = selectB.value;
    document.getElementById("head-a").textContent = selectA.selectedOptions[0].textContent;
    document.getElementById("head-b").textContent = selectB.selectedOptions[0].textContent;
    var rows = Object.keys(data.indicators).map(function (id) {
      var indicator = data.indicators[id], va = indicator.values[a] || {}, vb = indicator.values[b] || {};
      var s = spread(Object.keys(indicator.values).map(function (k) { return indicator.values[k].v; }));
      var score = (typeof va.v === "number" && typeof vb.v === "number" && s > 0) ? Math.abs(va.v - vb.v) / s : -1;
      return { indicator: indicator, a: va, b: vb, score: score };
    });
    rows.sort(function (x, y) { return y.score - x.score; });
    body.textContent = "";
    rows.forEach(function (item) {
      var row = document.createElement("tr");
      cell(row, item.indicator.label);
      cell(row, String(item.indicator.vintage), "num");
      cell(row, item.a.t || "n.d.", "num own");
      cell(row, item.b.t || "n.d.", "num own");
      cell(row, item.a.r || "", "num");
      cell(row, item.b.r || "", "num");
      body.appendChild(row);
    });
  }
  selectA.addEventListener("change", render);
  selectB.addEventListener("change", render);
  render();
})();
