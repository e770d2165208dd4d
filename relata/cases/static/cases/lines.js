// The case form: product lines ("Add line" clones an empty row, each row shows its
// amount live, the total fills the case amount) and Enter in the entity finder moves to
// the list of matches instead of saving. Without JavaScript, "Add line" asks the server
// for one more row and the server computes the amounts on save.
(() => {
  const lang = document.documentElement.lang || undefined;
  const money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const number = (value) => {
    const parsed = parseFloat(String(value || "").replace(",", "."));
    return Number.isNaN(parsed) ? null : parsed;
  };

  function recompute() {
    const section = document.getElementById("lines");
    if (!section) return;
    let total = 0;
    let counted = 0;
    section.querySelectorAll("[data-line]").forEach((row) => {
      const product = row.querySelector("select[name$='-product']");
      const option = product && product.options[product.selectedIndex];
      const listPrice = option ? number(option.dataset.price) : null;
      const priceInput = row.querySelector("input[name$='-unit_price']");
      if (priceInput) priceInput.placeholder = listPrice !== null ? money.format(listPrice) : priceInput.dataset.placeholder || priceInput.placeholder;
      const quantity = number(row.querySelector("input[name$='-quantity']")?.value) ?? 1;
      const price = number(priceInput?.value) ?? listPrice;
      const discount = number(row.querySelector("input[name$='-discount']")?.value) ?? 0;
      const deleted = row.querySelector("[data-line-delete]")?.checked;
      row.classList.toggle("is-deleted", Boolean(deleted));
      const cell = row.querySelector("[data-line-amount]");
      if (!product || !product.value || price === null) {
        if (cell) cell.textContent = "—";
        return;
      }
      const amount = Math.round(quantity * price * (100 - discount)) / 100;
      if (cell) cell.textContent = money.format(amount);
      if (!deleted) { total += amount; counted += 1; }
    });
    const totalCell = document.getElementById("lines-total");
    if (totalCell) totalCell.textContent = counted ? `${money.format(total)} ${section.dataset.currency || ""}` : "—";
    const amountInput = document.getElementById("id_amount");
    if (amountInput) {
      amountInput.readOnly = counted > 0;
      amountInput.title = counted > 0 ? (section.dataset.totalHint || "") : "";
      if (counted > 0) amountInput.value = total.toFixed(2);
    }
  }

  function addLine(button) {
    const template = document.getElementById("line-template");
    const rows = document.getElementById("lines-rows");
    const totalForms = document.querySelector("input[name='lines-TOTAL_FORMS']");
    if (!template || !rows || !totalForms) return false;
    const index = parseInt(totalForms.value, 10) || 0;
    const wrapper = document.createElement("div");
    wrapper.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    const row = wrapper.firstElementChild;
    rows.appendChild(row);
    totalForms.value = String(index + 1);
    const first = row.querySelector("select, input");
    if (first) first.focus();
    recompute();
    return true;
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-add-line]");
    if (button && addLine(button)) event.preventDefault();
  });
  document.addEventListener("input", (event) => { if (event.target.closest("#lines")) recompute(); });
  document.addEventListener("change", (event) => { if (event.target.closest("#lines")) recompute(); });
  document.addEventListener("keydown", (event) => {
    const target = event.target.closest("[data-enter-focus]");
    if (target && event.key === "Enter") {
      event.preventDefault();
      const next = document.querySelector(target.dataset.enterFocus);
      if (next) next.focus();
    }
  });
  document.addEventListener("htmx:afterSwap", recompute);
  recompute();
})();
