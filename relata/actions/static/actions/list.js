// The action list: "select all" for the bulk reassignment; the count of selected rows.
(() => {
  const form = document.getElementById("bulk-form");
  if (!form) return;
  const sync = () => {
    const boxes = form.querySelectorAll("input[name=ids]");
    const ticked = form.querySelectorAll("input[name=ids]:checked").length;
    const all = document.getElementById("select-all");
    if (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    const count = document.getElementById("bulk-count");
    if (count) count.textContent = ticked;
  };
  form.addEventListener("change", (event) => {
    if (event.target.id === "select-all") {
      form.querySelectorAll("input[name=ids]").forEach((box) => { box.checked = event.target.checked; });
    }
    sync();
  });
  // The rows are replaced when the filters change.
  document.body.addEventListener("htmx:afterSwap", sync);
})();
