// The action form: the type's default duration fills the end, and the meeting fields
// (place, attendees) show only for meeting types. Without JavaScript the services fill
// in the end and every field is shown by the server when the type is a meeting.
(() => {
  const form = document.getElementById("action-form");
  if (!form) return;
  const type = form.querySelector("#id_type");
  const start = form.querySelector("#id_start");
  const end = form.querySelector("#id_end");
  const meeting = document.getElementById("meeting-fields");
  let endIsAuto = !end.value;

  const pad = (n) => String(n).padStart(2, "0");
  const localValue = (date) =>
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;

  const chosen = () => type.options[type.selectedIndex] || null;

  function fillEnd() {
    const option = chosen();
    const minutes = option ? parseInt(option.dataset.duration || "", 10) : NaN;
    if (!endIsAuto || !start.value || Number.isNaN(minutes)) return;
    const begin = new Date(start.value);
    if (Number.isNaN(begin.getTime())) return;
    end.value = localValue(new Date(begin.getTime() + minutes * 60000));
  }

  function showMeeting() {
    const option = chosen();
    meeting.classList.toggle("d-none", !(option && option.dataset.meeting === "1"));
  }

  // Enter in the entity search moves to the list of matches instead of saving the form.
  const search = form.querySelector("#id_entity_search");
  const entity = form.querySelector("#id_entity");
  if (search && entity) {
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        entity.focus();
      }
    });
  }

  type.addEventListener("change", () => { fillEnd(); showMeeting(); });
  start.addEventListener("change", fillEnd);
  end.addEventListener("input", () => { endIsAuto = !end.value; });
  // A new action from the agenda or an entity: its type's duration fills the end at once.
  if (endIsAuto && !form.querySelector(".is-invalid")) fillEnd();
  showMeeting();
})();
