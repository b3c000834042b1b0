// The village-hall kiosk (points/views/kiosk.py). No inline script anywhere: each page says
// what it needs in data- attributes on <body>.
//   data-kiosk-mode="household"  the signed-in page: after data-kiosk-idle seconds without a
//       touch it submits the "Done" form (the server ends the session and shows the notice
//       board), warning for the last ten seconds; while someone keeps touching the screen it
//       pings data-kiosk-ping so the server's idle clock agrees with this one.
//   data-kiosk-mode="idle"       the notice board with the log-in: a half-typed log-in is
//       cleared after the same idle time, and the board reloads every ten minutes so a newly
//       published ranking appears.
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
    .some((input) => input.value !== "") || document.querySelector("#kiosk-login-form .error, .kiosk-notice");

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
    }
  };
  if (mode === "household" || mode === "idle") window.setInterval(tick, 500);
})();
