// The village-hall kiosk (points/views/kiosk.py). No inline script anywhere: each page says
// what it needs in data- attributes on <body>.
//   data-kiosk-mode="household"  the signed-in page: after data-kiosk-idle seconds without a
//       touch it submits the "Done" form (the server ends the session and shows the notice
//       board), warning for the last ten seconds; while someone keeps touching the screen it
//       pings data-kiosk-ping so the server's idle clock agrees with this one.
//   data-kiosk-mode="idle"       the notice board with the log-in: a half-typed log-in is
//       cleared after the same idle time, and the board reloads every ten minutes so a newly
//       published ranking appears.
//   data-kiosk-mode="board"      the whole notice board opened from the idle screen: back to
//       data-kiosk-home after the same idle time.
// A screen paused after too many wrong PINs (data-kiosk-wait="seconds" on the log-in form's
// message) counts the pause down and keeps the "Sign in" button off until it is over.
// The on-screen keypad types into the log-in field that last had focus (the PIN by default).
(() => {
  "use strict";
  const body = document.body;
  const mode = body.dataset.kioskMode;
  const idleMs = Number(body.dataset.kioskIdle || 60) * 1000;
  const WARN_MS = 10 * 1000;
  const PING_EVERY_MS = 5 * 1000;
  const BOARD_RELOAD_MS = 10 * 60 * 1000;

  let lastActivity = Date.now();
  let lastPing = Date.now();
  let leaving = false;

  // --- Keypad --------------------------------------------------------------------------------
  let keypadTarget = null;
  document.addEventListener("focusin", (event) => {
    if (event.target.matches("[data-keypad-target]")) keypadTarget = event.target;
  });
  document.addEventListener("click", (event) => {
    const key = event.target.closest("[data-key]");
    if (!key) return;
    const form = key.closest("form");
    let input = keypadTarget && form && form.contains(keypadTarget) ? keypadTarget : null;
    input = input || (form && form.querySelector("input[name=pin]"));
    if (!input) return;
    const value = key.dataset.key;
    if (value === "back") input.value = input.value.slice(0, -1);
    else if (value === "clear") input.value = "";
    else if (input.value.length < Number(input.maxLength > 0 ? input.maxLength : 40)) input.value += value;
    input.focus({ preventScroll: true });
  });
  const showKeypads = () => {
    document.querySelectorAll("[data-keypad]").forEach((pad) => { pad.hidden = false; });
  };
  showKeypads();
  document.addEventListener("htmx:afterSwap", showKeypads);

  // --- A guessing screen's pause --------------------------------------------------------------
  const startWaits = () => {
    document.querySelectorAll("[data-kiosk-wait]:not([data-kiosk-counting])").forEach((message) => {
      message.dataset.kioskCounting = "";
      const end = Date.now() + Number(message.dataset.kioskWait) * 1000;
      const number = message.querySelector("[data-kiosk-wait-seconds]");
      const form = message.closest("form");
      const submit = form && form.querySelector("button[type=submit]");
      if (submit) submit.disabled = true;
      const timer = window.setInterval(() => {
        const left = Math.ceil((end - Date.now()) / 1000);
        if (left > 0) {
          if (number) number.textContent = String(left);
          return;
        }
        window.clearInterval(timer);
        message.hidden = true;
        if (submit) submit.disabled = false;
      }, 250);
    });
  };
  startWaits();
  document.addEventListener("htmx:afterSwap", startWaits);

  // --- Idle ----------------------------------------------------------------------------------
  const doneForm = document.getElementById("kiosk-done-form");
  const warning = document.getElementById("kiosk-idle-warning");
  const countdown = warning && warning.querySelector("[data-kiosk-countdown]");

  const leave = () => {
    if (leaving) return;
    leaving = true;
    if (doneForm) {
      doneForm.querySelector("input[name=reason]").value = "idle";
      doneForm.submit();
    } else {
      window.location.replace(body.dataset.kioskHome || window.location.pathname);
    }
  };

  const ping = () => {
    lastPing = Date.now();
    const token = doneForm && doneForm.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(body.dataset.kioskPing, {
      method: "POST",
      credentials: "same-origin",
      headers: token ? { "X-CSRFToken": token.value } : {},
    }).then((response) => {
      if (response.status === 410) leave();
    }).catch(() => {});
  };

  const activity = () => {
    lastActivity = Date.now();
    if (warning) warning.hidden = true;
    if (mode === "household" && body.dataset.kioskPing && Date.now() - lastPing >= PING_EVERY_MS) ping();
  };
  ["pointerdown", "keydown", "wheel", "touchstart"].forEach((name) => {
    document.addEventListener(name, activity, { passive: true, capture: true });
  });
  document.addEventListener("scroll", activity, { passive: true, capture: true });

  const loginDirty = () => Array.from(document.querySelectorAll("#kiosk-login-form input[type=password]"))
    .some((input) => input.value !== "") || document.querySelector("#kiosk-login-form .error, .kiosk-notice, .kiosk-wait");

  const tick = () => {
    const quiet = Date.now() - lastActivity;
    if (mode === "household") {
      if (quiet >= idleMs) leave();
      else if (warning && quiet >= idleMs - WARN_MS) {
        warning.hidden = false;
        countdown.textContent = String(Math.ceil((idleMs - quiet) / 1000));
      }
    } else if (mode === "idle") {
      if ((quiet >= idleMs && loginDirty()) || quiet >= BOARD_RELOAD_MS) leave();
    } else if (mode === "board") {
      if (quiet >= idleMs) leave();
    }
  };
  if (mode === "household" || mode === "idle" || mode === "board") window.setInterval(tick, 500);
})();
