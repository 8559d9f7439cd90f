/* Standardiste — « Essayer l'assistant »: a text softphone over the chat channel API.
 * POST /api/chat opens a conversation, POST /api/chat/{id} sends one turn, DELETE hangs up.
 * The session cookie authenticates; the X-CSRF-Token header proves the page sent it.
 * Every word shown comes from the page (data-* attributes): no French lives here. */
(function () {
  "use strict";
  const root = document.getElementById("softphone");
  if (!root) { return; }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const text = root.dataset;
  const log = document.getElementById("conversation");
  const error = document.getElementById("softphone-error");
  const ended = document.getElementById("ended");
  const say = document.getElementById("say");
  const controls = {
    call: document.getElementById("call"),
    hangup: document.getElementById("hangup"),
    send: document.getElementById("send"),
    silence: document.getElementById("silence"),
  };
  let sessionId = null;

  function errorText(status) {
    return root.getAttribute("data-error-" + status) || root.getAttribute("data-error-other");
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) { throw new Error(errorText(response.status)); }
    return response.status === 204 ? {} : response.json();
  }

  function zoned(local) {
    // "2026-12-01T10:00", read in the practice's timezone, with its UTC offset then.
    const guess = new Date(local + ":00Z");
    const format = new Intl.DateTimeFormat("en-US", { timeZone: text.timezone, timeZoneName: "longOffset" });
    const name = format.formatToParts(guess).find(function (p) { return p.type === "timeZoneName"; }).value;
    return local + ":00" + (name === "GMT" ? "+00:00" : name.slice(3));
  }

  function add(speaker, words, key) {
    const item = document.createElement("li");
    item.className = "turn " + speaker;
    if (key) { item.dataset.key = key; }
    const who = document.createElement("span");
    who.className = "speaker";
    who.textContent = speaker === "caller" ? text.labelCaller : text.labelAssistant;
    const said = document.createElement("span");
    said.className = "words";
    said.textContent = words;
    item.append(who, said);
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function setTalking(talking) {
    say.disabled = !talking;
    controls.send.disabled = !talking;
    controls.silence.disabled = !talking;
    controls.hangup.disabled = !talking;
    controls.call.disabled = talking;
    if (talking) { say.focus(); }
  }

  function show(result) {
    result.replies.forEach(function (r) { add("assistant", r.text, r.key); });
    if (result.ended) {
      sessionId = null;
      setTalking(false);
      ended.hidden = false;
      root.dataset.state = "ended";
    }
  }

  function fail(problem) {
    error.textContent = problem.message;
    error.hidden = false;
  }

  document.getElementById("call-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    error.hidden = true;
    ended.hidden = true;
    log.replaceChildren();
    const body = {};
    const caller = document.getElementById("caller").value.trim();
    const at = document.getElementById("at").value;
    if (caller) { body.caller = caller; }
    if (at) { body.at = zoned(at); }
    try {
      const started = await api("POST", "/api/chat", body);
      sessionId = started.session_id;
      root.dataset.state = "talking";
      root.dataset.session = sessionId;
      setTalking(!started.ended);
      show(started);
    } catch (problem) { fail(problem); }
  });

  async function turn(body, shown) {
    if (!sessionId) { return; }
    error.hidden = true;
    add("caller", shown);
    setTalking(false);
    controls.hangup.disabled = false;
    try {
      const result = await api("POST", "/api/chat/" + encodeURIComponent(sessionId), body);
      if (!result.ended) { setTalking(true); }
      show(result);
    } catch (problem) { fail(problem); setTalking(true); }
  }

  document.getElementById("say-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const words = say.value.trim();
    if (!words) { return; }
    say.value = "";
    turn({ text: words }, words);
  });

  controls.silence.addEventListener("click", function () {
    turn({ silence: true }, text.labelSilence);
  });

  controls.hangup.addEventListener("click", async function () {
    if (!sessionId) { return; }
    const id = sessionId;
    sessionId = null;
    setTalking(false);
    try { await api("DELETE", "/api/chat/" + encodeURIComponent(id)); } catch (problem) { fail(problem); }
    ended.hidden = false;
    root.dataset.state = "ended";
  });
}());
