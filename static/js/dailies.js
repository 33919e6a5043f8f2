// The dailies room: moving through the session's takes, decision and note shortcuts, and
// presenter mode (the presenter posts its playhead, followers poll it and follow).
(function () {
  "use strict";

  const dataElement = document.getElementById("dailies-room-data");
  if (!dataElement) return;
  const room = JSON.parse(dataElement.textContent);
  const POLL_MS = 300;
  const SEND_EVERY_MS = 250;
  const RATES = [0.25, 0.5, 1, 1.5, 2];
  let announce = null;  // set by presenter mode below

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // --- moving through the list ------------------------------------------------------------

  function entries() {
    return Array.from(document.querySelectorAll("#dailies-entries [data-entry]"));
  }

  function currentEntry() {
    return document.querySelector("#dailies-entries [data-entry].is-current") || entries()[0];
  }

  function markCurrent(entry) {
    entries().forEach(function (item) {
      const link = item.querySelector("a");
      item.classList.toggle("is-current", item === entry);
      if (item === entry) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  }

  function open(entry) {
    if (!entry) return;
    markCurrent(entry);
    const link = entry.querySelector("a");
    // A list just swapped in may not be wired by htmx yet; a plain click would load the page.
    if (window.htmx) window.htmx.process(link);
    link.click();
    // The presenter tells the room at once, without waiting for its own player to load.
    if (typeof announce === "function") announce();
    entry.scrollIntoView({ block: "nearest" });
  }

  function step(delta) {
    const list = entries();
    const index = list.indexOf(currentEntry());
    const next = list[index + delta];
    if (next) open(next);
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest("#dailies-entries [data-entry] a");
    if (!link) return;
    markCurrent(link.closest("[data-entry]"));
    if (event.isTrusted && typeof announce === "function") announce();
  }, true);

  function refreshEntries() {
    if (!room.entries_url || !window.htmx) return Promise.resolve();
    const entry = currentEntry();
    const position = entry ? entry.dataset.entry : "1";
    return window.htmx.ajax("GET", room.entries_url + "&entry=" + position,
      { target: "#dailies-entries", swap: "outerHTML" });
  }

  // --- keyboard ---------------------------------------------------------------------------

  // Keys go to text fields; a ticked checkbox or a pressed button keeps the room's keys.
  const NOT_TEXT = ["checkbox", "radio", "button", "submit", "reset", "range", "color"];
  function typing(target) {
    if (!target) return false;
    if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") {
      return true;
    }
    return target.tagName === "INPUT" && NOT_TEXT.indexOf(target.type) < 0;
  }

  function review() {
    return document.getElementById("dailies-review");
  }

  function roomPlayer() {
    const entry = currentEntry();
    if (!window.LotixPlayer || !entry) return null;
    const take = entry.dataset.take;
    const match = window.LotixPlayer.all().filter(function (player) {
      return player.take === take && review().contains(player.root || document.body);
    });
    return match[0] || window.LotixPlayer.all().filter(function (p) { return p.take === take; })[0]
      || null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key;
    if (key === "ArrowUp" || key === "PageUp") {
      event.preventDefault();
      step(-1);
    } else if (key === "ArrowDown" || key === "PageDown") {
      event.preventDefault();
      step(1);
    } else if (["1", "2", "3", "4"].indexOf(key) >= 0) {
      const button = review().querySelector('[data-decide-key="' + key + '"]');
      if (button && !button.disabled) {
        event.preventDefault();
        button.click();
      }
    } else if (key === "n" || key === "N") {
      const area = review().querySelector("form[data-note-form] textarea[name=body]");
      if (area) {
        event.preventDefault();
        const player = roomPlayer();
        if (player && player.playing()) player.pause();
        area.focus();
      }
    }
  });

  // After a decision the list's state badges may change (approving one take can move another
  // to selected), and the room may move on by itself.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const config = event.detail.requestConfig || {};
    const path = (config.path || "");
    if (!event.detail.successful || config.verb !== "post" || !/\/decide$/.test(path)) return;
    const advance = document.querySelector("[data-auto-advance]");
    refreshEntries().then(function () {
      if (advance && advance.checked) step(1);
    });
  });

  // A guest types their name once: it is remembered for this tab and filled into the note
  // form of every take they open.
  const GUEST_NAME = "lotix-dailies-guest-name";
  function fillGuestName() {
    const saved = window.sessionStorage.getItem(GUEST_NAME) || "";
    document.querySelectorAll("#dailies-review form[data-note-form] input[name=guest_name]")
      .forEach(function (input) { if (!input.value) input.value = saved; });
  }
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const input = form.matches && form.matches("form[data-note-form]")
      ? form.querySelector("input[name=guest_name]") : null;
    if (input && input.value) window.sessionStorage.setItem(GUEST_NAME, input.value);
  }, true);
  document.body.addEventListener("htmx:afterSettle", fillGuestName);
  fillGuestName();

  // --- presenter mode ---------------------------------------------------------------------

  if (!room.presence_url) return;
  announce = function () { if (presenting) send("update"); };
  const presentButton = document.querySelector("[data-present]");
  const followBox = document.querySelector("[data-follow]");
  const status = document.getElementById("dailies-presence");
  let presenting = false;
  let lastSent = 0;
  let pendingTake = null;
  const watched = new WeakSet();

  function videoOf(player) {
    const root = player && (player.root ||
      document.querySelector('[data-player][data-take="' + player.take + '"]'));
    return root ? root.querySelector("video") : null;
  }

  function rateOf(player) {
    const video = videoOf(player);
    const rate = video ? video.playbackRate : 1;
    return RATES.indexOf(rate) >= 0 ? rate : 1;
  }

  // Updates go one at a time, the latest state after the one in flight: two requests in
  // parallel could reach the server in the wrong order and leave the room on an old frame.
  let inFlight = false;
  let again = false;

  function send(action) {
    const entry = currentEntry();
    if (!entry) return Promise.resolve();
    if (action === "update" && inFlight) {
      again = true;
      return Promise.resolve();
    }
    inFlight = true;
    const player = roomPlayer();
    const body = new URLSearchParams({
      action: action, take: entry.dataset.take, position: entry.dataset.entry,
      frame: String(player ? player.frame() : 0),
      playing: player && player.playing() ? "1" : "0", rate: String(rateOf(player)),
    });
    lastSent = Date.now();
    return fetch(room.presence_url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (response.status === 409 && action === "update") setPresenting(false);
      return response;
    }).finally(function () {
      inFlight = false;
      if (again) {
        again = false;
        if (presenting) send("update");
      }
    });
  }

  function watch(player) {
    if (!player || watched.has(player)) return;
    watched.add(player);
    ["play", "pause", "seek"].forEach(function (name) {
      player.on(name, function () { if (presenting && player === roomPlayer()) send("update"); });
    });
    player.on("frame", function () {
      if (presenting && player === roomPlayer() && Date.now() - lastSent >= SEND_EVERY_MS) {
        send("update");
      }
    });
  }

  function setPresenting(on) {
    presenting = on;
    if (presentButton) {
      presentButton.textContent = on ? "Stop presenting" : "Present";
      presentButton.setAttribute("aria-pressed", on ? "true" : "false");
    }
    if (on) watch(roomPlayer());
  }

  if (presentButton) {
    presentButton.addEventListener("click", function () {
      if (presenting) {
        setPresenting(false);
        send("stop");
      } else {
        send("start").then(function (response) {
          if (response && response.ok) setPresenting(true);
        });
      }
    });
  }

  // A presenter who leaves the page stops presenting, so the room is not held on a still frame.
  window.addEventListener("pagehide", function () {
    if (!presenting || !navigator.sendBeacon) return;
    const body = new FormData();
    body.append("action", "stop");
    body.append("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(room.presence_url, body);
  });

  // A new take in the centre: the presenter tells the room, the follower may now sync to it.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target !== review()) return;
    window.setTimeout(function () {
      const player = roomPlayer();
      watch(player);
      if (presenting) send("update");
    }, 0);
  });

  // While playing, the follower is behind by the poll and the presenter's send interval;
  // it seeks only when further off than that, so playback does not stutter.
  function follow(state) {
    const entry = currentEntry();
    if (!entry || entry.dataset.take !== state.take) {
      if (pendingTake === state.take) return;
      const target = document.querySelector('#dailies-entries [data-take="' + state.take + '"]');
      if (target) {
        pendingTake = state.take;
        open(target);
      }
      return;
    }
    pendingTake = null;
    const player = roomPlayer();
    if (!player) return;
    const video = videoOf(player);
    if (video && video.playbackRate !== state.rate) video.playbackRate = state.rate;
    const tolerance = state.playing ? Math.max(2, Math.round((player.fps || 24) / 2)) : 2;
    if (Math.abs(player.frame() - state.frame) > tolerance) player.seek(state.frame);
    if (state.playing && !player.playing()) {
      const started = player.play();
      if (started && started.catch) started.catch(function () {});
    } else if (!state.playing && player.playing()) {
      player.pause();
    }
  }

  function poll() {
    if (document.hidden) return;
    fetch(room.presence_url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) return;
        const someoneElse = state.presenter && state.presenter !== room.me;
        if (presenting && someoneElse) setPresenting(false);
        if (status) {
          status.textContent = !state.presenter ? "" : someoneElse
            ? state.name + " is presenting" + (followBox && followBox.checked
              ? "; you follow their take and playhead." : ".")
            : "You are presenting: the room follows your take and playhead.";
        }
        if (someoneElse && followBox && followBox.checked) follow(state);
      })
      .catch(function () {});
  }

  window.setInterval(poll, POLL_MS);
  poll();
})();
