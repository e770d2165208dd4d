/* The control panel's few behaviours that htmx attributes do not cover.
 *
 * - The bulk bar: count the ticked rows (.panel-select), "select all visible", enable the
 *   confirm button only with a selection.
 * - The server's events (HX-Trigger): "panelChanged" shows its message in #panel-status
 *   (the lists and KPIs reload themselves through hx-trigger); "panelClose" hides the modal.
 * - The modal shows "Loading…" each time it opens, not the previous form.
 */
(function () {
  "use strict";

  function boxes() { return Array.from(document.querySelectorAll(".panel-select")); }

  function update() {
    const all = boxes();
    const count = all.filter(function (box) { return box.checked; }).length;
    const counter = document.getElementById("panel-bulk-count");
    if (counter) { counter.textContent = String(count); counter.dataset.count = String(count); }
    const confirm = document.getElementById("panel-bulk-confirm");
    if (confirm) confirm.disabled = count === 0;
    const bar = document.getElementById("panel-bulk-form");
    if (bar) bar.classList.toggle("has-selection", count > 0);
    const selectAll = document.getElementById("panel-select-all");
    if (selectAll) {
      selectAll.checked = all.length > 0 && count === all.length;
      selectAll.indeterminate = count > 0 && count < all.length;
    }
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.id === "panel-select-all") {
      boxes().forEach(function (box) { box.checked = target.checked; });
      update();
    } else if (target.classList.contains("panel-select")) {
      update();
    }
  });

  // A form loaded into the modal: put the cursor in its first field, whether the form
  // arrives before the modal has finished opening (which focuses the modal) or after.
  function focusModalField() {
    const content = document.getElementById("panel-modal-content");
    if (!content) return;
    const field = content.querySelector(
      ".is-invalid, [autofocus], input:not([type=hidden]), select, textarea");
    if (field) field.focus();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    update();
    const target = event.detail && event.detail.target;
    if (target && target.id === "panel-modal-content") focusModalField();
  });
  document.addEventListener("shown.bs.modal", function (event) {
    if (event.target.id === "panel-modal") focusModalField();
  });

  // Typing the next action's details means planning it: tick "Schedule the next action".
  document.addEventListener("input", function (event) {
    const target = event.target;
    if (!(target instanceof HTMLElement) || !target.closest("#panel-complete-form")) return;
    if (/^id_next_(subject|start|type)$/.test(target.id)) {
      const tick = document.getElementById("id_schedule_next");
      if (tick) tick.checked = true;
    }
  });
  document.addEventListener("DOMContentLoaded", update);

  document.addEventListener("panelChanged", function (event) {
    const status = document.getElementById("panel-status");
    const message = event.detail && event.detail.message;
    if (!status || !message) return;
    const alert = document.createElement("div");
    alert.className = "alert alert-success alert-dismissible fade show py-2 panel-message";
    alert.setAttribute("role", "status");
    alert.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "×");
    alert.appendChild(close);
    status.replaceChildren(alert);
  });

  document.addEventListener("panelClose", function () {
    const modal = document.getElementById("panel-modal");
    if (modal && window.bootstrap) window.bootstrap.Modal.getOrCreateInstance(modal).hide();
  });

  document.addEventListener("show.bs.modal", function (event) {
    if (event.target.id !== "panel-modal") return;
    const content = document.getElementById("panel-modal-content");
    const text = content.dataset.loading || "…";
    const body = document.createElement("div");
    body.className = "modal-body text-center text-muted py-5";
    body.textContent = text;
    content.replaceChildren(body);
  });
})();
