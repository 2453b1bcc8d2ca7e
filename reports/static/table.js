/* Search and sort for tables marked data-sortable, without any library. */
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var body = table.tBodies[0];
    var search = document.getElementById(table.getAttribute("data-search"));
    if (search) {
      search.addEventListener("input", function () {
        var query = fold(search.value.trim());
        Array.prototype.forEach.call(body.rows, function (row) {
          row.hidden = query && fold(row.cells[0].textContent).indexOf(query) < 0;
        });
      });
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = header.textContent;
      header.textContent = "";
      header.appendChild(button);
      header.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.setAttribute("aria-sort", "none"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column], y = b.cells[column];
          var vx = x.getAttribute("data-value"), vy = y.getAttribute("data-value");
          var result;
          if (vx !== null && vy !== null) {
            var nx = vx === "" ? -Infinity : parseFloat(vx), ny = vy === "" ? -Infinity : parseFloat(vy);
            result = nx - ny;
          } else {
            result = x.textContent.localeCompare(y.textContent, "fr");
          }
          return ascending ? result : -result;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
