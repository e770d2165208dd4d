/* The sales targets grid: spread a yearly amount over the 12 months of a row, and keep the
 * quarter and year subtotals of a row up to date while typing. The server recomputes
 * everything when the grid is saved; this only helps while filling it in.
 */
(function () {
  "use strict";
  const format = new Intl.NumberFormat(document.documentElement.lang || "en",
    { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function cents(input) {
    const value = parseFloat(input.value);
    return Number.isFinite(value) ? Math.round(value * 100) : 0;
  }

  function refresh(row) {
    const cells = row.querySelectorAll("input.target-cell");
    if (!cells.length) return;
    const quarters = [0, 0, 0, 0];
    cells.forEach(function (cell) {
      quarters[Math.floor((parseInt(cell.dataset.month, 10) - 1) / 3)] += cents(cell);
    });
    row.querySelectorAll(".quarter-total").forEach(function (td) {
      td.textContent = format.format(quarters[parseInt(td.dataset.quarter, 10) - 1] / 100);
    });
    const year = row.querySelector(".year-total");
    if (year) year.textContent = format.format(quarters.reduce(function (a, b) { return a + b; }, 0) / 100);
  }

  function spread(row) {
    const source = row.querySelector(".spread-amount");
    const total = Math.round(parseFloat(source.value) * 100);
    if (!Number.isFinite(total) || total < 0) { source.focus(); return; }
    const cells = row.querySelectorAll("input.target-cell");
    const share = Math.floor(total / cells.length);
    // The cents that do not divide evenly go to the last month, so the year adds up exactly.
    cells.forEach(function (cell, index) {
      const value = index === cells.length - 1 ? total - share * (cells.length - 1) : share;
      cell.value = (value / 100).toFixed(2);
    });
    refresh(row);
  }

  document.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("target-cell")) {
      refresh(event.target.closest("tr"));
    }
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest(".spread-button");
    if (button) spread(button.closest("tr"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.classList && event.target.classList.contains("spread-amount")) {
      event.preventDefault();
      spread(event.target.closest("tr"));
    }
  });
})();
