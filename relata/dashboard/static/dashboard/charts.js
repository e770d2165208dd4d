/* Draw the Chart.js charts of a page from data the server renders next to them.
 *
 * Markup: <canvas data-chart="ID" aria-label="…" role="img"></canvas> and
 * {{ config|json_script:"ID" }} where config = {type, labels, datasets: [{label, data,
 * backgroundColor?, borderColor?, links?}], stacked?, money?}. `links` (one URL per point)
 * makes a click on a bar or slice open the cases behind it (drill-down). Charts are
 * redrawn after htmx swaps a fragment that holds them.
 */
(function () {
  "use strict";
  const PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#dc3545",
    "#0dcaf0", "#ffc107", "#6c757d", "#d63384"];

  function numberFormat(money) {
    const lang = document.documentElement.lang || "en";
    return new Intl.NumberFormat(lang, money ? { maximumFractionDigits: 0 } : {});
  }

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof window.Chart === "undefined") return;
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const config = JSON.parse(source.textContent);
    const format = numberFormat(config.money);
    const pie = config.type === "doughnut" || config.type === "pie";
    config.datasets.forEach(function (dataset, index) {
      if (!dataset.backgroundColor) {
        dataset.backgroundColor = pie ? PALETTE.slice(0, dataset.data.length)
          : PALETTE[index % PALETTE.length];
      }
    });
    canvas.dataset.drawn = "1";
    new window.Chart(canvas, {
      type: config.type || "bar",
      data: { labels: config.labels, datasets: config.datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: config.horizontal ? "y" : "x",
        plugins: {
          legend: { display: pie || config.datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                const value = pie ? item.parsed : (config.horizontal ? item.parsed.x : item.parsed.y);
                return (item.dataset.label ? item.dataset.label + ": " : "") + format.format(value);
              },
            },
          },
        },
        scales: pie ? {} : {
          x: { stacked: !!config.stacked, ticks: config.horizontal ? { callback: function (v) { return format.format(v); } } : {} },
          y: { stacked: !!config.stacked, beginAtZero: true, ticks: config.horizontal ? {} : { callback: function (v) { return format.format(v); } } },
        },
        onHover: function (event, elements) {
          const hasLink = elements.length && (config.datasets[elements[0].datasetIndex].links || [])[elements[0].index];
          event.native.target.style.cursor = hasLink ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (!elements.length) return;
          const links = config.datasets[elements[0].datasetIndex].links || [];
          const url = links[elements[0].index];
          if (url) window.location.assign(url);
        },
      },
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
