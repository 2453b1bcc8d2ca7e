/* Filter table rows by the data-* attributes chosen in the selects of form.filters. */
(function () {
  "use strict";
  var selects = document.querySelectorAll("form.filters select[data-filter]");
  var rows = document.querySelectorAll("#projects tbody tr");
  function apply() {
    rows.forEach(function (row) {
      var keep = true;
      selects.forEach(function (select) {
        var wanted = select.value, key = select.getAttribute("data-filter");
        if (!wanted) return;
        var values = (row.getAttribute("data-" + key) || "").split("|");
        if (values.indexOf(wanted) < 0) keep = false;
      });
      row.hidden = !keep;
    });
  }
  selects.forEach(function (select) { select.addEventListener("change", apply); });
})();
