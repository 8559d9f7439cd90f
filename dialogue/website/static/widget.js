/* Standardiste — the practice website's chat. Pasted once in the practice's pages:
 *   <script src="https://<gateway>/widget.js" data-practice="<key>" defer></script>
 * It asks the gateway for its settings (GET /public/chat/config: the practice's name, colours
 * and every French label), then draws a button and a chat window in a shadow root, so that the
 * page's style and the widget's never mix. A conversation opens when the window is first opened
 * (POST /public/chat); each message is POST /public/chat/{id}; "Terminer" is POST …/end.
 * No French lives here, nothing is stored in the browser, and no cookie is sent. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__standardisteChat) { return; }
  window.__standardisteChat = true;
  var gateway = new URL(script.src, window.location.href).origin;
  var practiceKey = script.getAttribute("data-practice") || null;

  function request(method, path, body) {
    return fetch(gateway + path, {
      method: method,
      mode: "cors",
      credentials: "omit",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 204) { return { status: 204, data: {} }; }
      return response.json().then(
        function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: {} }; }
      );
    });
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function build(config) {
    var label = config.labels;
    var host = element("div", { id: "standardiste-chat" });
    host.style.setProperty("--sd-accent", config.colours.accent);
    host.style.setProperty("--sd-on-accent", config.colours.on_accent);
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(element("link", { rel: "stylesheet", href: gateway + "/widget.css" }));

    var aside = element("aside", { "class": "sd", "aria-label": label.region });
    var launcher = element("button", {
      type: "button", "class": "sd-launcher", "aria-expanded": "false", "aria-controls": "sd-panel"
    }, label.launcher);
    var panel = element("section", { id: "sd-panel", "class": "sd-panel", "aria-labelledby": "sd-title" });
    panel.hidden = true;

    var header = element("div", { "class": "sd-header" });
    var title = element("h2", { id: "sd-title" }, label.title);
    var close = element("button", { type: "button", "class": "sd-close", "aria-label": label.close });
    close.appendChild(element("span", { "aria-hidden": "true" }, "×"));
    header.append(title, close);

    // The log is the live region (new replies are read out); the list inside keeps its meaning.
    var log = element("div", {
      "class": "sd-log", role: "log", "aria-live": "polite", "aria-label": label.log, tabindex: "0"
    });
    var turns = element("ol", { "class": "sd-turns" });
    log.appendChild(turns);
    var status = element("p", { "class": "sd-status", role: "status" });
    var problem = element("p", { "class": "sd-problem", role: "alert" });
    problem.hidden = true;
    var ended = element("div", { "class": "sd-ended" });
    var restart = element("button", { type: "button", "class": "sd-restart" }, label.restart);
    ended.append(element("p", {}, label.ended), restart);
    ended.hidden = true;

    var notice = element("div", { "class": "sd-notice" });
    notice.append(
      element("p", { "class": "sd-automated" }, label.notice),
      element("p", { "class": "sd-emergency" }, label.emergency)
    );

    var form = element("form", { "class": "sd-form" });
    var input = element("textarea", {
      id: "sd-input", name: "message", rows: "2", maxlength: String(config.max_length),
      "aria-describedby": "sd-hint", autocomplete: "off"
    });
    var send = element("button", { type: "submit", "class": "sd-send" }, label.send);
    var finish = element("button", { type: "button", "class": "sd-end" }, label.end);
    var actions = element("div", { "class": "sd-actions" });
    actions.append(finish, send);
    form.append(
      element("label", { "for": "sd-input" }, label.input),
      input,
      element("p", { id: "sd-hint", "class": "sd-hint" }, label.hint),
      actions
    );

    panel.append(header, log, status, problem, ended, notice, form);
    aside.append(launcher, panel);
    root.appendChild(aside);
    document.body.appendChild(host);

    var conversation = null;
    var busy = false;

    function add(speaker, text, emergency, key) {
      var item = element("li", { "class": "sd-turn sd-" + speaker + (emergency ? " sd-urgent" : "") });
      if (key) { item.setAttribute("data-key", key); }
      item.append(
        element("span", { "class": "sd-speaker" }, speaker === "you" ? label.you : label.assistant),
        document.createTextNode(" " + text)
      );
      turns.appendChild(item);
      log.scrollTop = log.scrollHeight;
    }

    function showReplies(data) {
      (data.replies || []).forEach(function (reply) {
        add("assistant", reply.text, reply.emergency, reply.key);
      });
    }

    function setBusy(value) {
      // Not `disabled` while waiting: a disabled button would drop the keyboard's focus.
      busy = value;
      send.setAttribute("aria-disabled", value ? "true" : "false");
      input.setAttribute("aria-busy", value ? "true" : "false");
      status.textContent = value ? label.waiting : "";
    }

    function setEnded() {
      var focused = !panel.hidden && panel.contains(root.activeElement);
      conversation = null;
      ended.hidden = false;
      form.hidden = true;
      input.disabled = true;
      send.disabled = true;
      finish.disabled = true;
      panel.setAttribute("data-state", "ended");
      // The field the patient was in is now disabled: keep the keyboard in the window.
      if (focused) { restart.focus(); }
    }

    function fail(text) {
      problem.textContent = text;
      problem.hidden = false;
    }

    function refusal(answer) {
      // 503 carries the assistant's technical-problem reply; others a French reason.
      if (answer.data.replies) { showReplies(answer.data); }
      else { fail(answer.data.detail || label.unavailable); }
      if ([404, 409, 410].indexOf(answer.status) >= 0 || answer.data.ended) { setEnded(); }
    }

    function start() {
      problem.hidden = true;
      ended.hidden = true;
      form.hidden = false;
      input.disabled = false;
      finish.disabled = false;
      panel.setAttribute("data-state", "starting");
      setBusy(true);
      request("POST", "/public/chat", { practice: practiceKey }).then(function (answer) {
        setBusy(false);
        if (answer.status !== 201) { refusal(answer); return; }
        conversation = answer.data.conversation_id;
        panel.setAttribute("data-state", "talking");
        send.disabled = false;
        showReplies(answer.data);
        if (answer.data.ended) { setEnded(); }
      }, function () { setBusy(false); fail(label.unavailable); });
    }

    function submit() {
      var text = input.value.trim();
      if (!text || busy || conversation === null) { return; }
      if (text.length > config.max_length) { fail(label.too_long); return; }
      problem.hidden = true;
      add("you", text, false);
      input.value = "";
      setBusy(true);
      request("POST", "/public/chat/" + encodeURIComponent(conversation), { text: text }).then(
        function (answer) {
          setBusy(false);
          if (answer.status !== 200) { refusal(answer); return; }
          showReplies(answer.data);
          if (answer.data.ended) { setEnded(); }
        },
        function () { setBusy(false); fail(label.unavailable); }
      );
    }

    function open() {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      if (conversation === null && panel.getAttribute("data-state") === null) { start(); }
      input.focus();
    }

    function shut() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }

    launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { shut(); } });
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); shut(); }
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    });
    finish.addEventListener("click", function () {
      if (conversation === null) { return; }
      var ending = conversation;
      setEnded();
      request("POST", "/public/chat/" + encodeURIComponent(ending) + "/end").catch(function () {});
    });
    restart.addEventListener("click", function () {
      turns.replaceChildren();
      start();
      input.focus();
    });
  }

  function load() {
    var query = practiceKey ? "?practice=" + encodeURIComponent(practiceKey) : "";
    request("GET", "/public/chat/config" + query).then(function (answer) {
      if (answer.status === 200) { build(answer.data); }
      else if (window.console) { window.console.warn("standardiste:", answer.data.detail || answer.status); }
    }, function () {
      if (window.console) { window.console.warn("standardiste: the chat could not be loaded"); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", load); }
  else { load(); }
}());
