// The dispatch board's per-row controls, sent once per page rather than with every row (sent
// with every row, the town's units made the board 181 KB for 53 rows):
// - <template id="unit-options">: the town's units, filling every select[data-unit-options]
//   (the unit filter, each row's lead-unit and co-handling lists);
// - <template id="dispatch-form">: the form each row waiting for dispatch (li[data-dispatch])
//   gets a copy of, its URL and element ids made the row's own.
// - a checkbox on each such row, part of the page's bulk form (#bulk-form).
// Rows appear on load and when htmx redraws a row or the live part; both pass through fill().
// Without script the row's title still leads to the order page, which has the same form.
(function () {
  "use strict";

  function fillUnits(root) {
    var source = document.getElementById("unit-options");
    if (!source) return;
    root.querySelectorAll("select[data-unit-options]:not([data-filled])").forEach(function (select) {
      select.appendChild(source.content.cloneNode(true));
      select.setAttribute("data-filled", "");
      if (select.dataset.selected) select.value = select.dataset.selected;
    });
  }

  function addDispatchForm(row) {
    var source = document.getElementById("dispatch-form");
    if (!source || row.querySelector("form.dispatch-form")) return;
    var form = source.content.firstElementChild.cloneNode(true);
    var pk = row.dataset.pk;
    var url = form.getAttribute("action").replace("/0/", "/" + pk + "/");
    form.setAttribute("action", url);
    form.setAttribute("hx-post", url);
    form.querySelectorAll("[id]").forEach(function (el) { el.id = el.id.replace(/-0$/, "-" + pk); });
    form.querySelectorAll("label[for]").forEach(function (el) {
      el.htmlFor = el.htmlFor.replace(/-0$/, "-" + pk);
    });
    row.appendChild(form);
    if (window.htmx) window.htmx.process(form);
  }

  // The rows chosen for a bulk action, kept while the live part redraws the rows.
  var chosen = new Set();

  function countChosen() {
    var count = document.querySelector("[data-bulk-count]");
    if (count) count.textContent = String(chosen.size);
  }

  function addPick(row) {
    if (!document.getElementById("bulk-form") || row.querySelector("input.row-pick")) return;
    var pick = document.createElement("input");
    pick.type = "checkbox";
    pick.name = "orders";
    pick.value = row.dataset.pk;
    pick.className = "row-pick";
    pick.setAttribute("form", "bulk-form");
    var number = row.querySelector(".mono");
    pick.setAttribute("aria-label", number ? number.textContent : row.dataset.pk);
    pick.checked = chosen.has(row.dataset.pk);
    pick.addEventListener("change", function () {
      if (pick.checked) chosen.add(pick.value); else chosen.delete(pick.value);
      countChosen();
    });
    var hit = document.createElement("label");  // a 44 px touch target around the box
    hit.className = "row-pick-label";
    hit.appendChild(pick);
    var form = row.querySelector("form.dispatch-form");
    if (form) form.insertBefore(hit, form.firstChild); else row.appendChild(hit);
  }

  function fill(root) {
    if (!root || !root.querySelectorAll) return;
    var rows = Array.prototype.slice.call(root.querySelectorAll("li[data-dispatch]"));
    if (root.matches && root.matches("li[data-dispatch]")) rows.push(root);
    rows.forEach(addDispatchForm);
    rows.forEach(addPick);
    fillUnits(root);
  }

  document.addEventListener("DOMContentLoaded", function () { fill(document); });
  document.addEventListener("htmx:load", function (event) { fill(event.detail.elt); });
})();
