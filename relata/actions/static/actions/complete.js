// "Done and schedule next": the next action's fields are active only when asked for,
// and checking the box moves the focus there. Without JavaScript they are always shown.
(() => {
  const box = document.getElementById("id_schedule_next");
  const fields = document.getElementById("next-fields");
  if (!box || !fields) return;
  const sync = () => {
    fields.querySelectorAll("input, select, textarea").forEach((input) => { input.disabled = !box.checked; });
    fields.classList.toggle("opacity-50", !box.checked);
  };
  box.addEventListener("change", () => {
    sync();
    if (box.checked) fields.querySelector("select, input").focus();
  });
  sync();
})();
