// The pipeline board: SortableJS columns whose drops post to /cases/<id>/move/, a
// "Move to…" menu on each card (keyboard and phone), a modal asking for the amount or the
// lost reason when a status needs them, and a refresh of the columns after each move.
// Also shows only the fields of the move form that the chosen status asks for.
(() => {
  "use strict";

  // --- The move form (board modal and "Change status" page) ------------------------------
  function setupMoveForm(form) {
    const select = form.querySelector("#id_status");
    if (!select) return;
    const meanings = {};
    (select.dataset.meanings || "").split(",").forEach((pair) => {
      const [id, meaning] = pair.split(":");
      if (id) meanings[id] = meaning;
    });
    const sync = () => {
      const meaning = meanings[select.value] || "open";
      form.querySelectorAll(".move-field").forEach((wrap) => {
        const wanted = (wrap.dataset.meanings || "").split(" ");
        wrap.hidden = !(wanted.includes(meaning) || wrap.dataset.keep === "1");
      });
    };
    select.addEventListener("change", sync);
    sync();
  }

  document.querySelectorAll(".move-form").forEach(setupMoveForm);

  const board = () => document.getElementById("board");
  const configElement = document.getElementById("board-config");
  if (!configElement) return;
  const config = JSON.parse(configElement.textContent);
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  const csrfToken = headers["X-CSRFToken"] || "";
  const message = document.getElementById("board-message");
  const modalElement = document.getElementById("move-modal");
  const modalBody = document.getElementById("move-modal-body");
  const modal = window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(modalElement) : null;
  const moveUrl = (id) => config.moveUrl.replace(config.sentinel, String(id));
  const format = (text, values) =>
    text.replace(/%\((\w+)\)s/g, (match, key) => (key in values ? values[key] : match));

  let messageTimer = null;
  function showMessage(text, kind) {
    window.clearTimeout(messageTimer);
    message.textContent = text;
    message.className = `alert alert-${kind || "danger"} py-2${text ? "" : " d-none"}`;
    // Confirmations go away by themselves; refusals stay until the next move.
    if (text && kind === "success") messageTimer = window.setTimeout(() => showMessage(""), 5000);
  }

  // On a phone the type pills scroll: bring the current type into view.
  const types = document.querySelector(".board-types");
  const currentType = types && types.querySelector(".nav-link.active");
  if (currentType && types.scrollWidth > types.clientWidth) {
    types.scrollLeft = currentType.offsetLeft - (types.clientWidth - currentType.offsetWidth) / 2;
  }

  // --- Filters -----------------------------------------------------------------------------
  const filters = document.getElementById("board-filters");
  if (filters) {
    const period = filters.querySelector("#id_period");
    const dates = filters.querySelectorAll(".board-dates");
    const syncDates = () => {
      const custom = !period || period.value === "custom" || period.value === "";
      dates.forEach((element) => { element.hidden = !custom; });
    };
    if (period) period.addEventListener("change", syncDates);
    syncDates();
    filters.addEventListener("change", (event) => {
      if (event.target.tagName === "SELECT") filters.requestSubmit();
    });
  }

  // --- Columns and cards -------------------------------------------------------------------
  function columnOf(element) {
    return element.closest(".board-column");
  }

  function allowedFrom(column) {
    const value = column.dataset.allowedNext || "";
    return value ? value.split(",") : null;
  }

  function canDrop(fromColumn, toColumn) {
    if (fromColumn === toColumn) return true;
    const allowed = allowedFrom(fromColumn);
    return !allowed || allowed.includes(toColumn.dataset.statusId);
  }

  function needsForm(card, toColumn) {
    const meaning = toColumn.dataset.meaning;
    if (meaning === "lost") return true;
    return meaning === "won" && config.isOpportunity && !(parseFloat(card.dataset.amount) > 0);
  }

  function refresh() {
    const element = board();
    if (!element || !window.htmx) {
      window.location.reload();
      return Promise.resolve();
    }
    return window.htmx.ajax("GET", element.dataset.refreshUrl, { target: "#board", swap: "outerHTML" });
  }

  // Put a card back where it was (a refused or cancelled move).
  function putBack(card, origin) {
    if (!origin) return;
    const { list, index } = origin;
    const sibling = list.children[index];
    if (sibling && sibling !== card) list.insertBefore(card, sibling);
    else list.appendChild(card);
  }

  async function postMove(card, toColumn, origin) {
    let response;
    let data = {};
    try {
      response = await fetch(moveUrl(card.dataset.caseId), {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
        body: new URLSearchParams({ status: toColumn.dataset.statusId }),
        credentials: "same-origin",
      });
      data = await response.json().catch(() => ({}));
    } catch (error) {
      putBack(card, origin);
      showMessage(config.texts.networkError);
      return;
    }
    if (response.ok && data.ok) {
      showMessage(data.message || "", "success");
      refresh();
      return;
    }
    const errors = data.errors || {};
    if (response.status === 400 && (errors.amount || errors.lost_reason)) {
      // The server knows better than the card (a stale amount): ask for what is missing.
      openForm(card, toColumn, origin);
      return;
    }
    putBack(card, origin);
    showMessage(format(config.texts.moveFailed, { reason: data.message || response.statusText }));
  }

  // --- The modal ---------------------------------------------------------------------------
  let pending = null; // { card, origin, moved }

  function bindModalForm() {
    const form = modalBody.querySelector("form");
    if (!form) return;
    setupMoveForm(form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = form.querySelector("[type=submit]");
      if (submit) submit.disabled = true;
      let response;
      try {
        response = await fetch(form.action, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken, "HX-Request": "true" },
          body: new FormData(form),
          credentials: "same-origin",
        });
      } catch (error) {
        if (submit) submit.disabled = false;
        showMessage(config.texts.networkError);
        return;
      }
      if (response.status === 204) {
        if (pending) pending.moved = true;
        modal.hide();
        showMessage("");
        refresh();
        return;
      }
      if (response.status === 400) {
        modalBody.innerHTML = await response.text();
        bindModalForm();
        const invalid = modalBody.querySelector(".is-invalid");
        if (invalid) invalid.focus();
        return;
      }
      modal.hide();
      showMessage(format(config.texts.moveFailed, { reason: response.statusText }));
    });
  }

  async function openForm(card, toColumn, origin) {
    if (!modal) {
      window.location.assign(`${moveUrl(card.dataset.caseId)}?status=${toColumn.dataset.statusId}`);
      return;
    }
    pending = { card, origin, moved: false };
    let response;
    try {
      response = await fetch(`${moveUrl(card.dataset.caseId)}?status=${toColumn.dataset.statusId}`, {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
    } catch (error) {
      putBack(card, origin);
      showMessage(config.texts.networkError);
      return;
    }
    if (!response.ok) {
      putBack(card, origin);
      showMessage(format(config.texts.moveFailed, { reason: response.statusText }));
      return;
    }
    modalBody.innerHTML = await response.text();
    bindModalForm();
    modal.show();
  }

  if (modalElement) {
    modalElement.addEventListener("shown.bs.modal", () => {
      const first = modalBody.querySelector(".move-field:not([hidden]) input, .move-field:not([hidden]) textarea");
      const target = modalBody.querySelector(".move-field:not([hidden]) .is-invalid") || first;
      if (target) target.focus();
    });
    modalElement.addEventListener("hidden.bs.modal", () => {
      if (pending && !pending.moved) putBack(pending.card, pending.origin);
      pending = null;
      modalBody.innerHTML = "";
    });
  }

  function move(card, toColumn, origin) {
    showMessage("");
    if (needsForm(card, toColumn)) openForm(card, toColumn, origin);
    else postMove(card, toColumn, origin);
  }

  // --- "Move to…" menu ---------------------------------------------------------------------
  function fillMenu(toggle) {
    const card = toggle.closest(".board-card");
    const fromColumn = columnOf(card);
    const menu = toggle.parentElement.querySelector(".board-move-menu");
    menu.replaceChildren();
    const header = document.createElement("li");
    header.innerHTML = '<h3 class="dropdown-header"></h3>';
    header.firstChild.textContent = config.texts.moveTo;
    menu.appendChild(header);
    let count = 0;
    board().querySelectorAll(".board-column").forEach((column) => {
      if (column === fromColumn || !canDrop(fromColumn, column)) return;
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "dropdown-item";
      button.dataset.statusId = column.dataset.statusId;
      button.dataset.statusCode = column.dataset.statusCode;
      const dot = document.createElement("span");
      dot.className = "status-dot me-1";
      dot.style.setProperty("--status-colour", column.style.getPropertyValue("--status-colour"));
      button.append(dot, column.dataset.statusName);
      button.addEventListener("click", () => {
        const list = card.parentElement;
        const origin = { list, index: Array.prototype.indexOf.call(list.children, card) };
        const target = column.querySelector(".board-cards");
        target.prepend(card);
        move(card, column, origin);
      });
      item.appendChild(button);
      menu.appendChild(item);
      count += 1;
    });
    if (!count) {
      const item = document.createElement("li");
      item.innerHTML = '<span class="dropdown-item-text small text-muted"></span>';
      item.firstChild.textContent = config.texts.noTargets;
      menu.appendChild(item);
    }
  }

  document.addEventListener("show.bs.dropdown", (event) => {
    if (event.target.classList.contains("board-move-toggle")) fillMenu(event.target);
  });

  // --- Drag and drop -----------------------------------------------------------------------
  function initSortable() {
    const element = board();
    if (!element || !window.Sortable) return;
    element.querySelectorAll(".board-cards").forEach((list) => {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: {
          name: `board-${element.dataset.caseType}`,
          pull: true,
          put: (to, from) => canDrop(columnOf(from.el), columnOf(to.el)),
        },
        draggable: ".board-card[data-movable]",
        filter: ".board-card-menu",
        preventOnFilter: false,
        sort: false,
        // Pointer events rather than the browser's drag and drop: the same on touch
        // screens, and the scroller follows the card to columns out of view.
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 4,
        scroll: true,
        bubbleScroll: true,
        animation: 150,
        delay: 250,
        delayOnTouchOnly: true,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        dragClass: "is-dragging",
        onStart: () => element.classList.add("is-dragging-card"),
        onEnd: (event) => {
          element.classList.remove("is-dragging-card");
          if (event.from === event.to) return;
          move(event.item, columnOf(event.to), { list: event.from, index: event.oldIndex });
        },
      });
    });
  }

  initSortable();
  // The columns are replaced after each move: give the new lists their Sortable.
  document.body.addEventListener("htmx:afterSettle", initSortable);
})();
