// The agenda: FullCalendar reading /agenda/events/, posting drags and resizes to
// /agenda/move/<id>/ and putting an event back, with the server's reason, when refused.
(() => {
  const element = document.getElementById("agenda");
  if (!element || !window.FullCalendar) return;
  const config = JSON.parse(document.getElementById("agenda-config").textContent);
  const filters = document.getElementById("agenda-filters");
  const message = document.getElementById("agenda-message");
  const phoneQuery = window.matchMedia("(max-width: 575.98px)");
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  const csrfToken = headers["X-CSRFToken"] || "";
  const sizeClass = () => (phoneQuery.matches ? "phone" : "desktop");
  const storageKey = () => `relata.agenda.${sizeClass()}`;
  const VIEWS = "timeGridDay,timeGridWeek,dayGridMonth,listWeek";

  function toolbars() {
    if (phoneQuery.matches) {
      return {
        headerToolbar: { left: "title", center: "", right: "prev,today,next" },
        footerToolbar: { left: "", center: VIEWS, right: "" },
      };
    }
    return {
      headerToolbar: { left: "prev,next today", center: "title", right: VIEWS },
      footerToolbar: false,
    };
  }

  function height() {
    const top = element.getBoundingClientRect().top + window.scrollY;
    return Math.max(phoneQuery.matches ? 480 : 560, window.innerHeight - top - 24);
  }

  function showMessage(text) {
    message.textContent = text;
    message.classList.toggle("d-none", !text);
  }

  function params() {
    const data = new FormData(filters);
    const result = {};
    if (data.get("owner")) result.owner = data.get("owner");
    if (data.get("team")) result.team = data.get("team");
    const types = data.getAll("types");
    if (types.length) result.types = types.join(",");
    return result;
  }

  function saved() {
    try {
      return JSON.parse(window.sessionStorage.getItem(storageKey()) || "{}");
    } catch (error) {
      return {};
    }
  }

  async function move(info) {
    const event = info.event;
    const body = new URLSearchParams({ start: event.startStr, all_day: event.allDay ? "true" : "false" });
    if (event.end) body.set("end", event.endStr);
    let response;
    let data = {};
    try {
      response = await fetch(config.moveUrl.replace("/0/", `/${event.id}/`), {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
        body,
        credentials: "same-origin",
      });
      data = await response.json().catch(() => ({}));
    } catch (error) {
      info.revert();
      showMessage(config.texts.networkError);
      return;
    }
    if (!response.ok) {
      info.revert();
      showMessage(config.texts.moveFailed.replace("%(reason)s", data.error || response.statusText));
      return;
    }
    showMessage("");
    // The server may round an all-day move to whole days: show what it stored.
    event.setAllDay(data.allDay);
    event.setDates(data.start, data.end, { allDay: data.allDay });
  }

  const memory = saved();
  const calendar = new FullCalendar.Calendar(element, {
    ...toolbars(),
    locale: config.locale,
    timeZone: "local",
    firstDay: 1,
    initialView: memory.view || (phoneQuery.matches ? "listWeek" : "timeGridWeek"),
    initialDate: memory.date || undefined,
    height: height(),
    nowIndicator: true,
    navLinks: true,
    dayMaxEvents: true,
    businessHours: config.businessHours,
    scrollTime: config.scrollTime,
    editable: true,
    eventLongPressDelay: 500,
    slotEventOverlap: false,
    allDayText: "",
    // 24-hour times, as on the rest of Relata's pages.
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    views: {
      // Seven columns on a phone leave room for a letter and a number only.
      timeGridWeek: {
        dayHeaderFormat: phoneQuery.matches
          ? { weekday: "narrow", day: "numeric" }
          : { weekday: "short", day: "numeric", month: "numeric", omitCommas: true },
      },
      timeGridDay: { dayHeaderFormat: { weekday: "long", day: "numeric", month: "long" } },
    },
    events: {
      url: config.eventsUrl,
      extraParams: params,
      failure: () => showMessage(config.texts.loadFailed),
    },
    eventDidMount(info) {
      const props = info.event.extendedProps;
      info.el.title = `${props.type} · ${props.entity}${props.owner ? ` · ${props.owner}` : ""}`;
      info.el.dataset.actionId = info.event.id;
      const title = info.el.querySelector(".fc-event-title, .fc-list-event-title a");
      // The month's one-line events have no room for the entity; the tooltip has it.
      if (title && props.entity && !info.view.type.startsWith("dayGrid")) {
        const entity = document.createElement("div");
        entity.className = "fc-event-entity";
        entity.textContent = props.entity;
        title.after(entity);
      }
    },
    dateClick(info) {
      if (!config.createUrl) return;
      const query = new URLSearchParams({ start: info.dateStr });
      if (info.allDay && info.view.type.startsWith("timeGrid")) query.set("all_day", "1");
      window.location.assign(`${config.createUrl}?${query}`);
    },
    eventDrop: move,
    eventResize: move,
    datesSet(info) {
      try {
        window.sessionStorage.setItem(
          storageKey(),
          JSON.stringify({ view: info.view.type, date: calendar.getDate().toISOString() }),
        );
      } catch (error) {
        /* private mode: the agenda simply starts on today */
      }
    },
    windowResize() {
      calendar.setOption("height", height());
      const bars = toolbars();
      calendar.setOption("headerToolbar", bars.headerToolbar);
      calendar.setOption("footerToolbar", bars.footerToolbar);
    },
  });
  calendar.render();

  const counter = document.getElementById("type-filter-count");
  filters.addEventListener("change", (event) => {
    // One agenda at a time: a colleague's or a team's.
    if (event.target.name === "owner" && event.target.value) filters.elements.team.value = "";
    if (event.target.name === "team" && event.target.value) filters.elements.owner.value = "";
    const ticked = filters.querySelectorAll("input[name=types]:checked").length;
    counter.textContent = ticked || "";
    counter.classList.toggle("d-none", !ticked);
    showMessage("");
    calendar.refetchEvents();
  });
  filters.addEventListener("submit", (event) => event.preventDefault());
  window.relataAgenda = calendar; // for the browser tests and the console
})();
