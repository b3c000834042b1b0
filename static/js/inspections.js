/* The patrol inspection form, made to survive weak signal in the fields.
 *
 * - The form being filled is a draft in IndexedDB, saved as it is typed (photos included), so
 *   a reload, a closed tab or a flat battery loses nothing.
 * - "Save and send" moves the draft to the outbox (IndexedDB) under the UUID it was given when
 *   it was started, then tries to send. Whatever is in the outbox is sent when the network
 *   returns (the `online` event), when the page loads, when it comes back to the foreground,
 *   and every minute. The server stores an inspection once per UUID and answers a resend with
 *   the stored one, so a send whose answer was lost is simply sent again: nothing is lost or
 *   doubled. An outbox entry is deleted only after the server said it has it.
 * - Photos are scaled in the browser (long edge at most 2,048 px, JPEG) before they are kept.
 * - The service worker (sw-inspections.js) keeps the page and these files for offline use.
 *
 * No inline script: everything the script needs comes from data- attributes (CSP).
 */
(function () {
  "use strict";

  var app = document.getElementById("inspection-app");
  if (!app) return;
  var data = app.dataset;
  var form = document.getElementById("inspection-form");
  var MAX_EDGE = 2048;
  var DB_NAME = "huaisi-inspections";
  var DRAFT_KEY = "user-" + data.user;

  function msg(key, values) {
    var text = data["msg" + key] || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function localNow() {
    var now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 16);
  }

  // --- IndexedDB ------------------------------------------------------------------------------

  var dbPromise = new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      var db = request.result;
      db.createObjectStore("drafts", { keyPath: "key" });
      db.createObjectStore("outbox", { keyPath: "uuid" });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });

  function store(name, mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(name, mode);
        var request = work(transaction.objectStore(name));
        var result;
        if (request) request.onsuccess = function () { result = request.result; };
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function outboxItems() {
    return store("outbox", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return item.user === data.user; })
        .sort(function (a, b) { return a.savedAt - b.savedAt; });
    });
  }

  // --- The draft and the form -------------------------------------------------------------------

  var draft = null;
  var findingsBox = document.getElementById("findings");
  var template = document.getElementById("finding-template");
  var saveTimer = null;

  function emptyDraft() {
    return {
      key: DRAFT_KEY, uuid: newUuid(), grid: "", place: "", started_at: localNow(),
      ended_at: "", households: [], findings: [],
    };
  }

  function emptyFinding() {
    return {
      key: newUuid(), type: "", description: "", outcome: "fixed", fixed_note: "",
      lat: null, lng: null, accuracy: null, photos: [],
    };
  }

  function saveDraftSoon() {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 250);
  }

  function saveDraft() {
    clearTimeout(saveTimer);
    if (!draft) return Promise.resolve();
    readForm();
    return store("drafts", "readwrite", function (s) { return s.put(draft); });
  }

  function findingBox(key) {
    return findingsBox.querySelector('[data-key="' + key + '"]');
  }

  function readForm() {
    if (!form) return;
    draft.grid = form.elements.grid.value;
    draft.place = form.elements.place.value;
    draft.started_at = form.elements.started_at.value;
    draft.ended_at = form.elements.ended_at.value;
    draft.households = Array.prototype.filter.call(
      form.querySelectorAll('input[name="households"]'), function (box) { return box.checked; }
    ).map(function (box) { return box.value; });
    draft.findings.forEach(function (finding) {
      var box = findingBox(finding.key);
      if (!box) return;
      finding.type = box.querySelector('[data-name="type"]').value;
      finding.description = box.querySelector('[data-name="description"]').value;
      finding.fixed_note = box.querySelector('[data-name="fixed_note"]').value;
      var chosen = box.querySelector('[data-name="outcome"]:checked');
      finding.outcome = chosen ? chosen.value : "fixed";
    });
  }

  function renderForm() {
    if (!form) return;
    var grids = form.elements.grid;
    if (draft.grid) grids.value = draft.grid;
    else if (grids.options.length === 1) draft.grid = grids.value;
    form.elements.place.value = draft.place;
    form.elements.started_at.value = draft.started_at;
    form.elements.ended_at.value = draft.ended_at;
    form.querySelectorAll('input[name="households"]').forEach(function (box) {
      box.checked = draft.households.indexOf(box.value) !== -1;
    });
    filterHouseholds();
    findingsBox.textContent = "";
    draft.findings.forEach(function (finding, i) { findingsBox.appendChild(renderFinding(finding, i)); });
  }

  function renderFinding(finding, index) {
    var box = template.content.firstElementChild.cloneNode(true);
    box.dataset.key = finding.key;
    box.querySelector('[data-role="number"]').textContent = String(index + 1);
    box.querySelectorAll("[data-name]").forEach(function (input) {
      var id = "f-" + finding.key + "-" + input.dataset.name;
      if (input.type === "radio") {
        input.name = "outcome-" + finding.key;
        input.checked = input.value === finding.outcome;
      } else {
        input.id = id;
        input.name = id;
      }
    });
    box.querySelectorAll("[data-for]").forEach(function (label) {
      label.htmlFor = "f-" + finding.key + "-" + label.dataset.for;
    });
    box.querySelector('[data-name="type"]').value = finding.type;
    box.querySelector('[data-name="description"]').value = finding.description;
    box.querySelector('[data-name="fixed_note"]').value = finding.fixed_note;
    showOutcome(box, finding.outcome);
    showPosition(box, finding);
    renderPreviews(box, finding);
    return box;
  }

  function showOutcome(box, outcome) {
    box.querySelector('[data-role="fixed-note"]').hidden = outcome !== "fixed";
  }

  function showPosition(box, finding) {
    var target = box.querySelector('[data-role="position"]');
    if (finding.lat === null || finding.lat === undefined) return;
    target.textContent = msg("Position", {
      lat: finding.lat.toFixed(6), lng: finding.lng.toFixed(6), acc: Math.round(finding.accuracy),
    });
  }

  function renderPreviews(box, finding) {
    var previews = box.querySelector('[data-role="previews"]');
    previews.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    previews.textContent = "";
    finding.photos.forEach(function (blob, n) {
      var figure = document.createElement("figure");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      img.alt = "";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "small";
      remove.textContent = "×";
      remove.setAttribute("aria-label", msg("RemovePhoto"));
      remove.addEventListener("click", function () {
        finding.photos.splice(n, 1);
        renderPreviews(box, finding);
        saveDraft();
      });
      figure.appendChild(img);
      figure.appendChild(remove);
      previews.appendChild(figure);
    });
  }

  function findingOf(element) {
    var box = element.closest(".finding");
    if (!box) return null;
    var key = box.dataset.key;
    return { box: box, finding: draft.findings.filter(function (f) { return f.key === key; })[0] };
  }

  function filterHouseholds() {
    var list = form && form.querySelector(".household-list");
    if (!list) return;
    var grid = form.elements.grid.value;
    var query = (document.getElementById("household-filter").value || "").trim().toLowerCase();
    var selected = 0;
    list.querySelectorAll("li").forEach(function (item) {
      var inGrid = !grid || item.dataset.grid === grid;
      var box = item.querySelector("input");
      if (!inGrid) box.checked = false;
      if (box.checked) selected += 1;
      item.hidden = !inGrid || (query && item.dataset.search.toLowerCase().indexOf(query) === -1);
    });
    document.getElementById("household-count").textContent = msg("Households", { n: selected });
  }

  // --- Photos and position ----------------------------------------------------------------------

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return decodeWithImg(file);
      });
    }
    return decodeWithImg(file);
  }

  function decodeWithImg(file) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  function scalePhoto(file) {
    return decode(file).then(function (picture) {
      var width = picture.width, height = picture.height;
      var ratio = Math.min(1, MAX_EDGE / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * ratio));
      canvas.height = Math.max(1, Math.round(height * ratio));
      canvas.getContext("2d").drawImage(picture, 0, 0, canvas.width, canvas.height);
      if (picture.close) picture.close();
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) {
          if (blob) resolve(blob); else reject(new Error("encode"));
        }, "image/jpeg", 0.85);
      });
    });
  }

  function addPhotos(input) {
    var found = findingOf(input);
    if (!found) return;
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    say(msg("Scaling"));
    files.reduce(function (chain, file) {
      return chain.then(function () {
        return scalePhoto(file).then(function (blob) {
          found.finding.photos.push(blob);
        }, function () { say(msg("BadPhoto"), true); });
      });
    }, Promise.resolve()).then(function () {
      renderPreviews(found.box, found.finding);
      if (!document.getElementById("form-message").classList.contains("error")) say("");
      return saveDraft();
    });
  }

  function locate(button) {
    var found = findingOf(button);
    if (!found) return;
    var target = found.box.querySelector('[data-role="position"]');
    if (!navigator.geolocation) { target.textContent = msg("NoPosition"); return; }
    target.textContent = msg("Locating");
    navigator.geolocation.getCurrentPosition(function (position) {
      found.finding.lat = Math.round(position.coords.latitude * 1e6) / 1e6;
      found.finding.lng = Math.round(position.coords.longitude * 1e6) / 1e6;
      found.finding.accuracy = Math.round(position.coords.accuracy * 10) / 10;
      showPosition(found.box, found.finding);
      saveDraft();
    }, function () {
      target.textContent = msg("NoPosition");
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  // --- Submitting: into the outbox, then send ---------------------------------------------------

  function say(text, isError) {
    var box = document.getElementById("form-message");
    box.textContent = text;
    box.hidden = !text;
    box.classList.toggle("error", !!isError);
  }

  function problems() {
    var found = [];
    if (!draft.grid) found.push(msg("NeedGrid"));
    if (!draft.place.trim()) found.push(msg("NeedPlace"));
    draft.findings.forEach(function (finding, i) {
      if (!finding.type) found.push(msg("NeedType", { n: i + 1 }));
      if (!finding.description.trim()) found.push(msg("NeedDescription", { n: i + 1 }));
    });
    return found;
  }

  function iso(local) {
    return local ? new Date(local).toISOString() : new Date().toISOString();
  }

  function payloadOf(record) {
    return {
      uuid: record.uuid,
      grid: record.grid ? Number(record.grid) : null,
      place: record.place,
      started_at: iso(record.started_at),
      ended_at: iso(record.ended_at),
      households: record.households.map(Number),
      findings: record.findings.map(function (f) {
        return {
          type: f.type, description: f.description, outcome: f.outcome,
          fixed_note: f.outcome === "fixed" ? f.fixed_note : "",
          lat: f.lat, lng: f.lng, accuracy: f.accuracy, photos: f.photos.length,
        };
      }),
    };
  }

  function submit(event) {
    event.preventDefault();
    readForm();
    var found = problems();
    if (found.length) { say(found.join(" "), true); return; }
    if (!draft.ended_at) draft.ended_at = localNow();
    var item = {
      uuid: draft.uuid, user: data.user, savedAt: Date.now(), status: "pending", message: "",
      payload: payloadOf(draft), draft: draft,
    };
    store("outbox", "readwrite", function (s) { return s.put(item); })
      .then(function () { return store("drafts", "readwrite", function (s) { return s.delete(DRAFT_KEY); }); })
      .then(function () {
        draft = emptyDraft();
        renderForm();
        say(navigator.onLine ? msg("Saved") : msg("Offline"));
        window.scrollTo(0, 0);
        return renderOutbox();
      })
      .then(sendAll);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : data.csrf;
  }

  var sending = false;
  // A call while a run is under way (the network came back while a send was still failing)
  // is not dropped: the run starts again once it ends, or the outbox would wait a minute.
  var sendAgain = false;
  var loginNeeded = false;

  function sendAll() {
    if (sending) {
      sendAgain = true;
      return Promise.resolve();
    }
    sending = true;
    sendAgain = false;
    return outboxItems().then(function (items) {
      var pending = items.filter(function (item) { return item.status === "pending"; });
      return pending.reduce(function (chain, item) {
        return chain.then(function (stop) { return stop ? stop : sendOne(item); });
      }, Promise.resolve(null));
    }).catch(function () { return null; }).then(function () {
      sending = false;
      return renderOutbox();
    }).then(function () {
      if (sendAgain) return sendAll();
    });
  }

  // Resolves to a truthy value when the rest of the outbox should wait (no network, no login).
  function sendOne(item) {
    var body = new FormData();
    body.append("payload", JSON.stringify(item.payload));
    item.draft.findings.forEach(function (finding, i) {
      finding.photos.forEach(function (blob, n) {
        body.append("finding-" + i + "-photo-" + n, blob, "photo-" + i + "-" + n + ".jpg");
      });
    });
    return fetch(data.submitUrl, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 0) {
        loginNeeded = true;
        return "login";
      }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 200 || response.status === 201) {
          loginNeeded = false;
          sent.unshift({ place: item.payload.place, url: answer.url });
          return store("outbox", "readwrite", function (s) { return s.delete(item.uuid); })
            .then(function () { return null; });
        }
        if (response.status === 409 || response.status === 400) {
          item.status = response.status === 409 ? "conflict" : "invalid";
          item.message = answer.message || "";
          return store("outbox", "readwrite", function (s) { return s.put(item); })
            .then(function () { return null; });
        }
        if (response.status === 403 && !answer.status) {
          // Django's CSRF refusal: the session ended or changed.
          loginNeeded = true;
          return "login";
        }
        if (response.status === 403) {
          item.status = "invalid";
          item.message = answer.message || "";
          return store("outbox", "readwrite", function (s) { return s.put(item); })
            .then(function () { return null; });
        }
        return "server";
      });
    }, function () { return "network"; });
  }

  var sent = [];

  function renderOutbox() {
    return outboxItems().then(function (items) {
      var count = document.getElementById("outbox-count");
      count.dataset.count = String(items.length);
      count.textContent = items.length ? msg("Unsent", { n: items.length }) : msg("AllSent");
      var network = document.getElementById("network-state");
      network.textContent = loginNeeded ? msg("Login") : (navigator.onLine || !items.length ? "" : msg("Waiting"));
      var list = document.getElementById("outbox-list");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.dataset.uuid = item.uuid;
        var what = document.createElement("span");
        what.textContent = item.payload.place + " · " + new Date(item.savedAt).toLocaleString();
        li.appendChild(what);
        var state = document.createElement("span");
        state.className = "state " + item.status;
        state.textContent = item.status === "pending" ? msg("Waiting")
          : item.status === "conflict" ? msg("Conflict") : msg("Invalid");
        li.appendChild(state);
        if (item.status === "pending") {
          li.appendChild(button(msg("SendNow"), sendAll));
        } else {
          li.appendChild(button(msg("Edit"), function () { editItem(item); }));
          li.appendChild(button(msg("Discard"), function () {
            if (window.confirm(msg("DiscardConfirm"))) {
              store("outbox", "readwrite", function (s) { return s.delete(item.uuid); }).then(renderOutbox);
            }
          }));
          var why = document.createElement("span");
          why.className = "why";
          why.textContent = item.message;
          li.appendChild(why);
        }
        list.appendChild(li);
      });
      sent.slice(0, 3).forEach(function (done) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = done.url;
        link.textContent = msg("Sent", { place: done.place });
        li.appendChild(link);
        list.appendChild(li);
      });
    });
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function editItem(item) {
    // A refused inspection was not stored: it keeps its id. One in conflict gets a new one.
    var restored = item.draft;
    restored.key = DRAFT_KEY;
    if (item.status === "conflict") restored.uuid = newUuid();
    store("outbox", "readwrite", function (s) { return s.delete(item.uuid); })
      .then(function () { draft = restored; renderForm(); say(item.message, true); return saveDraft(); })
      .then(renderOutbox);
  }

  // --- Wiring -----------------------------------------------------------------------------------

  if (form) {
    form.addEventListener("input", function (event) {
      if (event.target.id === "household-filter") { filterHouseholds(); return; }
      if (event.target.dataset.name === "photos") return;
      saveDraftSoon();
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.dataset.name === "photos") { addPhotos(target); return; }
      if (target.dataset.name === "outcome") { showOutcome(findingOf(target).box, target.value); }
      if (target.name === "grid" || target.name === "households") filterHouseholds();
      saveDraftSoon();
    });
    form.addEventListener("click", function (event) {
      var action = event.target.closest("[data-action]");
      if (!action) return;
      if (action.dataset.action === "locate") locate(action);
      if (action.dataset.action === "remove") {
        readForm();
        var key = action.closest(".finding").dataset.key;
        draft.findings = draft.findings.filter(function (f) { return f.key !== key; });
        renderForm();
        saveDraft();
      }
    });
    document.getElementById("add-finding").addEventListener("click", function () {
      readForm();
      draft.findings.push(emptyFinding());
      renderForm();
      saveDraft();
      var boxes = findingsBox.querySelectorAll(".finding");
      boxes[boxes.length - 1].querySelector("select").focus();
    });
    form.addEventListener("submit", submit);
  }

  window.addEventListener("online", sendAll);
  window.addEventListener("offline", renderOutbox);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") sendAll();
  });
  setInterval(sendAll, 60000);

  // Opened from a household's page (走访, ?household=<id>): that household is ticked and its
  // grid chosen, in the draft being filled (a draft already started keeps its place and
  // findings; households of another grid are unticked, as when the grid is changed by hand).
  function preselectHousehold() {
    var wanted = new URLSearchParams(window.location.search).get("household");
    if (!wanted || !form) return false;
    var box = form.querySelector('input[name="households"][value="' + CSS.escape(wanted) + '"]');
    if (!box) return false;
    var grid = box.closest("li").dataset.grid;
    if (draft.grid !== grid) {
      draft.grid = grid;
      draft.households = [];
    }
    if (draft.households.indexOf(wanted) === -1) draft.households.push(wanted);
    var details = form.querySelector("details.households");
    if (details) details.open = true;
    return true;
  }

  store("drafts", "readonly", function (s) { return s.get(DRAFT_KEY); }).then(function (saved) {
    draft = saved || emptyDraft();
    var preselected = preselectHousehold();
    renderForm();
    if (preselected) saveDraft();
    app.dataset.ready = "true";
    return renderOutbox();
  }).then(sendAll);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(data.swUrl, { scope: data.swScope }).catch(function () {});
  }
})();
