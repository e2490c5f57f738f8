// The therapist console. One WebSocket carries commands (each with its own id, so a
// command re-sent after a reconnect is applied once), snapshots, events and the mirror.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    ws: null, lastSeq: 0, snapshot: null, setup: null, pending: new Map(), connected: false,
    clientCode: null, sessionId: null, snapAt: 0, events: [], locked: false, retry: 500, onAck: {},
    slider: null, mirrorBlack: false,
  };
  const chart = new window.SudsChart($("suds-chart"));
  const sound = new window.SoundPanel($("sound-card"), (name, args) => send(name, args));
  const elevator = new window.ElevatorPanel($("elevator-card"), (name, args) => send(name, args));
  const conversation = new window.ConversationPanel($("conversation-card"), (name, args) => send(name, args));
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
  const clock = (s) => { s = Math.max(0, Math.round(s)); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`; };
  const toast = (text) => { const t = $("toast"); t.textContent = text; t.classList.add("show"); clearTimeout(toast.h); toast.h = setTimeout(() => t.classList.remove("show"), 3500); };
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

  // ---- connection ---------------------------------------------------------------
  function connect() {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
    ws.binaryType = "blob";
    state.ws = ws;
    setConnection("connecting");
    ws.onopen = () => {
      state.connected = true; state.retry = 500; setConnection("online");
      ws.send(JSON.stringify({ type: "hello", last_seq: state.lastSeq, session_id: state.sessionId }));
      for (const msg of state.pending.values()) ws.send(JSON.stringify(msg)); // re-send unacknowledged
    };
    ws.onmessage = (e) => (typeof e.data === "string" ? onMessage(JSON.parse(e.data)) : showMirror(e.data));
    ws.onclose = (e) => {
      state.connected = false; setConnection("offline");
      if (e.code === 4401) { location.href = "/pair"; return; }
      setTimeout(connect, state.retry); state.retry = Math.min(state.retry * 2, 5000);
    };
  }
  function setConnection(s) {
    const el = $("connection"); el.dataset.state = s;
    el.textContent = s === "online" ? "connected" : s === "offline" ? "connection lost — reconnecting…" : "connecting…";
  }
  function send(name, args = {}) {
    const msg = { type: "command", id: uuid(), name, args };
    state.pending.set(msg.id, msg);
    if (state.connected) state.ws.send(JSON.stringify(msg));
    else toast("Not connected: the command will be sent when the connection is back");
    return msg.id;
  }
  let lastActivity = 0;
  function activity() {
    const now = Date.now();
    if (state.connected && now - lastActivity > 20000) { lastActivity = now; state.ws.send(JSON.stringify({ type: "activity" })); }
  }
  ["keydown", "pointerdown", "pointermove"].forEach((t) => document.addEventListener(t, activity, { passive: true }));

  // ---- messages -------------------------------------------------------------------
  function onMessage(m) {
    switch (m.type) {
      case "welcome":
        state.sessionId = m.session_id;
        if (!m.session_id) { state.snapshot = null; state.summaryAsked = false; }
        setLocked(m.locked);
        if (m.new_session) { // a session was started (maybe from another tab): catch up from its start
          onEvents([], true);
          state.ws.send(JSON.stringify({ type: "hello", last_seq: 0 }));
        }
        break;
      case "setup": state.setup = m; if (m.client) state.clientCode = m.client; renderSetup(); renderLibrary(m.library); break;
      case "events": onEvents(m.events, m.reset); break;
      case "snapshot": state.snapshot = m.snapshot; state.snapAt = performance.now(); render(); break;
      case "safety": renderSafety(m.status, m.safety, ""); break; // a locked console sees only this
      case "ack":
        state.pending.delete(m.id);
        if (state.onAck[m.id]) { state.onAck[m.id](m); delete state.onAck[m.id]; }
        if (!m.accepted) { toast(m.reason || "refused"); const e = $("setup-error"); if (!state.snapshot) e.textContent = m.reason; }
        break;
      case "summary": renderSummary(m.summary); renderMoments(m.moments || []); break;
      case "replay_frame": showReplayed(m); break;
      case "export": download(m.record); break;
      case "locked": setLocked(true, m.reason); break;
      case "unlocked": setLocked(false); break;
      case "unpaired": location.href = "/pair"; break;
      case "error": toast(m.reason); break;
      case "slider": state.slider = m.value == null ? null : m; renderPromptState(); break;
      case "mirror": state.mirrorBlack = m.black; if (state.snapshot) render(); break;
    }
  }
  // `run --watch`: changed scenario or hierarchy files, valid (offer a reload) or not
  function renderLibrary(lib) {
    $("library-banner").hidden = !lib;
    if (!lib) return;
    const files = lib.files.join(", ");
    const ready = lib.state === "ready";
    $("library-banner").dataset.state = lib.state;
    $("library-text").textContent = ready
      ? `Changed and valid: ${files}.`
      : `Changed, with problems (the current scene stays): ${files}`;
    $("reload-scene").hidden = !ready;
    $("library-problems").hidden = ready;
    $("library-problems").textContent = ready ? "" : lib.problems.join("\n");
  }
  function setLocked(locked, reason) {
    state.locked = locked; $("locked").hidden = !locked;
    $("unlock-error").textContent = reason || "";
    if (locked) { $("setup").hidden = true; $("live").hidden = true; $("after").hidden = true; $("library-banner").hidden = true; }
  }

  function onEvents(events, reset) {
    if (reset) { state.events = []; state.lastSeq = 0; chart.reset(); $("event-log").innerHTML = ""; }
    for (const e of events) {
      if (e.seq <= state.lastSeq) continue; // never show an event twice
      state.lastSeq = e.seq; state.events.push(e);
      const d = e.data;
      if (e.kind === "suds_rated") chart.addRating(e.session_time, d.normalised);
      if (e.kind === "step_entered") chart.addStep(e.session_time, `S${d.index + 1}`);
      if (e.kind === "prompt_issued" && d.prompt === "suds") chart.addPrompt(e.session_time);
      if (e.kind === "prompt_issued" || e.kind === "tracking_chunk" || e.kind === "comfort_rated" && d.value < 5) continue;
      const li = document.createElement("li");
      li.innerHTML = `<span class="time">${clock(e.session_time)}</span>${esc(eventText(e))}`;
      $("event-log").prepend(li);
    }
  }

  function eventText(e) {
    // a step by its level's title, not its raw id
    if (e.kind !== "step_entered" || !state.setup) return e.text;
    const d = e.data, sc = state.setup.scenarios[d.scenario], lv = levelOf(d.scenario, d.level);
    if (!sc) return e.text;
    const where = lv ? lv.title || lv.name : `intensity ${Math.round(d.intensity)}`;
    return `── step ${d.index + 1}: ${sc.title} · ${where} [${d.reason.replace("_", " ")}]`;
  }

  // ---- rendering -------------------------------------------------------------------
  function render() {
    const s = state.snapshot;
    const status = s ? s.status : "not_started";
    renderSafety(status, s ? s.safety : null, s ? s.safety_reason : "");
    const rs = $("record-status");
    rs.hidden = !(s && s.record_status); rs.textContent = s ? s.record_status || "" : "";
    if (state.locked) return;
    $("setup").hidden = status !== "not_started";
    $("live").hidden = status !== "running";
    $("after").hidden = status !== "ended";
    if (!s || status === "not_started") return;
    if (status === "ended") { if (!state.summaryAsked) { state.summaryAsked = true; send("summary"); renderSsq("ssq-post"); } return; }
    state.summaryAsked = false;
    const marker = $("mirror-marker");
    const switching = s.safety === "none" && state.mirrorBlack;
    marker.hidden = s.safety === "none" && !switching;
    marker.dataset.state = switching ? "switching" : s.safety;
    marker.textContent = switching ? "Scene loading / fading in…" : names[s.safety] || "";
    const lv = levelOf(s.scenario, s.level);
    $("step-title").textContent = `Step ${s.step_index + 1} of ${s.step_count} — ${s.step_title}${lv && lv.title && lv.title !== s.step_title ? ` · ${lv.title}` : ""}`;
    const params = s.parameters.map(([k, v]) => paramText(s.scenario, k, v)).join(" · ");
    $("step-detail").innerHTML = `${lv && lv.description ? `<span class="desc">${esc(lv.description)}</span><br>` : ""}anticipated SUDS ${s.anticipated_suds} · ${esc(params)}`;
    const slider = $("intensity");
    if (document.activeElement !== slider) slider.value = Math.round(s.intensity);
    $("intensity-value").textContent = Math.round(s.intensity);
    $("step-up").disabled = s.step_index >= s.step_count - 1;
    $("step-down").disabled = s.step_index <= 0;
    $("auto-live").checked = s.auto_mode;
    $("load-error").hidden = !s.load_error; $("load-error").textContent = s.load_error ? `Scene problem: ${s.load_error}` : "";
    renderFrameRate(s.frame_rate);
    renderBehaviour(s.behaviour);
    renderHierarchyList(s);
    renderProposal(s.proposal);
    renderPromptState();
    $("suds-value").max = s.suds_scale;
    $("comfort-row").hidden = !s.comfort_enabled;
    renderQuick(s.suds_scale);
    renderPartners(s.partners);
    sound.render(s);
    elevator.render(s);
    conversation.render(s);
    tickTimers();
  }
  const names = { none: "Scene running", paused: "PAUSED", blackout: "BLACKOUT", calm_scene: "CALM SCENE" };
  function renderSafety(status, safety, reason) {
    const st = $("safety-state");
    const none = !safety || status === "not_started";
    // with no session the safety buttons have nothing to act on: they look it
    $("safety-bar").classList.toggle("no-session", none);
    document.querySelectorAll("[data-safety]").forEach((b) => b.setAttribute("aria-disabled", String(none)));
    const switching = !none && status === "running" && safety === "none" && state.mirrorBlack;
    st.dataset.state = none ? "idle" : status === "ended" ? "ended" : switching ? "switching" : safety;
    const why = reason && reason !== "therapist" ? ` — ${reason}` : "";
    st.textContent = none ? "No session" : status === "ended" ? "Session ended"
      : switching ? "Scene loading…" : names[safety] + why;
  }
  function levelOf(scenario, level) {
    const sc = state.setup && state.setup.scenarios[scenario];
    return sc && level ? sc.levels.find((l) => l.name === level) : null;
  }
  function paramText(scenario, name, v) {
    const sc = state.setup && state.setup.scenarios[scenario];
    const p = sc && sc.parameters[name];
    const label = p ? p.label : name;
    const value = typeof v === "number" ? +v.toFixed(2) : typeof v === "boolean" ? (v ? "yes" : "no") : v;
    return `${label} ${value}${p && p.unit && typeof v === "number" ? ` ${p.unit}` : ""}`;
  }
  function stepName(step) {
    const lv = levelOf(step.scenario, step.level);
    const title = step.title || (lv && lv.title) || step.scenario_title;
    const where = step.title || (lv && lv.title) ? "" : ` · ${step.level ? step.level : "intensity " + step.intensity}`;
    return { title: title + where, description: (lv && lv.description) || "" };
  }
  function renderPromptState() {
    const s = state.snapshot;
    const el = $("prompt-state");
    if (!s || s.status !== "running") { el.textContent = ""; return; }
    const prompt = s.prompts.find((p) => p.kind === "suds") || s.prompts[0];
    const live = state.slider && s.prompts.some((p) => p.prompt_id === state.slider.prompt_id) ? state.slider : null;
    el.textContent = live ? `Client is moving the slider: ${live.value} (not yet confirmed)`
      : prompt ? "Waiting for the client's rating in the headset…" : "";
  }
  function renderHierarchyList(s) {
    const h = state.setup && state.setup.hierarchy;
    const ol = $("hierarchy-list");
    if (!h) return;
    ol.innerHTML = "";
    h.steps.forEach((step, i) => {
      const li = document.createElement("li");
      li.className = i === s.step_index ? "current" : "";
      const name = stepName(step);
      li.innerHTML = `${esc(name.title)} <span class="ant">anticipated ${step.anticipated_suds}</span>${name.description ? `<span class="desc">${esc(name.description)}</span>` : ""}`;
      li.title = "Go to this step";
      li.onclick = () => { if (i !== s.step_index && confirm(`Go to step ${i + 1}?`)) send("go_to_step", { index: i }); };
      ol.append(li);
    });
  }
  function renderProposal(p) {
    const card = $("proposal-card");
    card.hidden = !p;
    if (!p) return;
    const words = { up: "Step up", down: "Step down", variation: "Variation", calm: "Calm scene" };
    card.className = `card ${p.direction === "down" || p.direction === "calm" ? "down" : ""}`;
    $("proposal-title").textContent = `Proposal: ${words[p.direction]} to step ${p.target_step + 1}`;
    $("proposal-reason").textContent = p.reason;
    card.dataset.id = p.proposal_id;
  }
  let quickScale = 0;
  function renderQuick(scale) {
    if (quickScale === scale) return;
    quickScale = scale;
    const box = $("suds-quick"); box.innerHTML = "";
    const step = scale === 10 ? 1 : 10;
    for (let v = 0; v <= scale; v += step) {
      const b = document.createElement("button"); b.textContent = v; b.dataset.value = v;
      b.onclick = () => send("record_suds", { value: v }); box.append(b);
    }
  }
  function renderPartners(partners) {
    $("partners-card").hidden = !partners.length;
    const box = $("partners"); box.innerHTML = "";
    for (const p of partners) {
      const div = document.createElement("div");
      div.innerHTML = `<h3>${esc(p.name || p.id)}</h3><p>${esc(p.node ? "At: " + p.node : p.last_event || "")}</p>`;
      for (const line of p.next_lines || []) {
        const b = document.createElement("button"); b.textContent = line.text || line.id;
        b.onclick = () => send("partner", { partner_id: p.id, event: "say", data: { line: line.id || line } });
        div.append(b);
      }
      for (const choice of p.choices || []) {
        const b = document.createElement("button"); b.textContent = `client: ${choice.text || choice}`;
        b.onclick = () => send("partner", { partner_id: p.id, event: "choice", data: { choice: choice.id || choice } });
        div.append(b);
      }
      if (typeof p.attitude === "number") {
        const r = document.createElement("input"); r.type = "range"; r.min = -1; r.max = 1; r.step = 0.1; r.value = p.attitude;
        r.onchange = () => send("partner", { partner_id: p.id, event: "attitude", data: { attitude: +r.value } });
        const l = document.createElement("label"); l.textContent = "attitude "; l.append(r); div.append(l);
      }
      box.append(div);
    }
  }
  function tickTimers() {
    const s = state.snapshot;
    if (!s || s.status !== "running") return;
    const dt = (performance.now() - state.snapAt) / 1000;
    $("t-session").textContent = clock(s.session_time + dt);
    $("t-step").textContent = clock(s.time_on_step + dt);
    $("t-rating").textContent = s.since_last_rating == null ? "—" : clock(s.since_last_rating + dt);
    chart.draw(s.session_time + dt, 85);
  }
  setInterval(tickTimers, 1000);

  let mirrorUrl = null;
  function showMirror(blob) {
    const url = URL.createObjectURL(blob);
    const img = $("mirror");
    img.onload = () => { if (mirrorUrl && mirrorUrl !== url) URL.revokeObjectURL(mirrorUrl); mirrorUrl = url; };
    img.src = url;
  }

  // ---- setup ------------------------------------------------------------------------
  function renderSetup() {
    const m = state.setup;
    const cs = $("client-select");
    cs.innerHTML = '<option value="">— choose —</option>' + m.clients.map((c) => `<option value="${esc(c.code)}">${esc(c.code)} · ${c.sessions} session(s) · ${esc(c.hierarchy)}</option>`).join("");
    cs.value = state.clientCode || "";
    const templates = m.templates.map((t) => `<option value="${esc(t.id)}">${esc(t.title)} (${t.steps} steps)</option>`).join("");
    // a re-render keeps each list's choice; "replace with template" offers the template
    // the client's hierarchy came from until the therapist picks another
    const refill = (id, fallback) => {
      const el = $(id), was = el.dataset.chosen || fallback;
      el.innerHTML = templates;
      if (was && m.templates.some((t) => t.id === was)) el.value = was;
      el.onchange = () => (el.dataset.chosen = el.value);
    };
    refill("template-select", "");
    refill("replace-template", m.hierarchy && m.hierarchy.id);
    const scen = $("add-scenario");
    if (!scen.options.length) {
      // calm scenes are where a step goes to rest, not steps of a hierarchy
      scen.innerHTML = Object.entries(m.scenarios).filter(([, s]) => s.family !== "calm").map(([id, s]) => `<option value="${esc(id)}">${esc(s.title)}</option>`).join("");
      fillLevels();
    }
    const gone = m.interrupted || [];
    $("interrupted-card").hidden = !gone.length;
    const list = $("interrupted-list"); list.innerHTML = "";
    gone.forEach((x) => {
      const li = document.createElement("li");
      const when = new Date(x.last_event_at * 1000).toLocaleString();
      li.innerHTML = `${esc(x.session_id)} · client ${esc(x.client_code)} · step ${x.step}/${x.steps} · last recorded ${esc(when)}${x.station ? " on " + esc(x.station) : ""}
        <button data-op="resume">Resume (paused)</button><button data-op="close">Close as interrupted</button>`;
      li.querySelector('[data-op="resume"]').onclick = () => send("resume_session", { session_id: x.session_id });
      li.querySelector('[data-op="close"]').onclick = () => { if (confirm(`Close ${x.session_id} as interrupted?`)) send("close_interrupted", { session_id: x.session_id }); };
      list.append(li);
    });
    $("client-code").textContent = state.clientCode ? `Client ${state.clientCode}` : "";
    const h = m.hierarchy;
    $("hierarchy-card").hidden = !h; $("ssq-card").hidden = !h;
    $("start-row").hidden = !h; $("start-hint").hidden = !h;
    if (h) {
      const i = Math.min(m.next_step || 0, h.steps.length - 1);
      $("next-step").textContent = `The session starts at step ${i + 1} of ${h.steps.length}: ${stepName(h.steps[i]).title}`;
    }
    if (h) {
      const body = $("hierarchy-table").tBodies[0]; body.innerHTML = "";
      h.steps.forEach((s, i) => {
        const tr = document.createElement("tr");
        const lv = levelOf(s.scenario, s.level);
        tr.innerHTML = `<td>${i + 1}${i === Math.min(m.next_step || 0, h.steps.length - 1) ? " ▶" : ""}</td><td>${esc(s.title || s.scenario_title)}</td><td>${s.level ? esc(lv && lv.title ? lv.title : s.level) : "intensity " + s.intensity}</td>
          <td><input type="number" min="0" max="100" class="num" value="${s.anticipated_suds}" aria-label="anticipated SUDS of step ${i + 1}"></td>
          <td><button data-op="up" title="Move up">↑</button><button data-op="down" title="Move down">↓</button><button data-op="remove" title="Remove">✕</button></td>`;
        tr.querySelector("input").onchange = (e) => edit("set_anticipated", { index: i, value: +e.target.value });
        tr.querySelectorAll("button").forEach((b) => (b.onclick = () => {
          const n = h.steps.length, order = [...Array(n).keys()];
          if (b.dataset.op === "remove") { if (confirm(`Remove step ${i + 1}?`)) edit("remove_step", { index: i }); return; }
          const j = b.dataset.op === "up" ? i - 1 : i + 1;
          if (j < 0 || j >= n) return;
          [order[i], order[j]] = [order[j], order[i]]; edit("reorder", { order });
        }));
        body.append(tr);
      });
      $("mode-select").value = h.progression.mode;
      $("auto-mode").checked = h.progression.auto;
      if (!$("ssq-baseline").children.length) renderSsq("ssq-baseline");
    }
  }
  function fillLevels() {
    const s = state.setup.scenarios[$("add-scenario").value];
    $("add-level").innerHTML = (s ? s.levels : []).map((l) => `<option value="${esc(l.name)}">${esc(l.title || l.name)}</option>`).join("");
  }
  const edit = (op, args) => send("edit_hierarchy", { code: state.clientCode, op, args });
  function renderSsq(id) {
    const box = $(id); box.innerHTML = "";
    const { items, levels } = state.setup.ssq;
    items.forEach((item, i) => {
      const row = document.createElement("div");
      row.className = "ssq-item"; row.setAttribute("role", "radiogroup"); row.setAttribute("aria-label", item);
      row.innerHTML = `<span class="ssq-name">${i + 1}. ${esc(item)}</span>` + levels.map((l, v) =>
        `<label title="${esc(l)}"><input type="radio" name="${id}-${i + 1}" value="${v}" ${v === 0 ? "checked" : ""}>${esc(l)}</label>`).join("");
      box.append(row);
    });
  }
  function ssqAnswers(id) {
    const out = {};
    state.setup.ssq.items.forEach((_, i) => { out[`item${i + 1}`] = +document.querySelector(`input[name="${id}-${i + 1}"]:checked`).value; });
    return out;
  }
  $("client-select").onchange = (e) => { state.clientCode = e.target.value || null; if (state.clientCode) send("select_client", { code: state.clientCode }); };
  $("create-client").onclick = () => send("create_client", { template: $("template-select").value });
  $("add-scenario").onchange = fillLevels;
  $("add-step").onclick = () => {
    const n = state.setup.hierarchy.steps.length;
    edit("add_step", { index: n, step: { scenario: $("add-scenario").value, level: $("add-level").value, anticipated_suds: +$("add-suds").value } });
  };
  $("mode-select").onchange = (e) => edit("set_mode", { mode: e.target.value });
  $("replace-hierarchy").onclick = () => {
    if (confirm("Replace this client's hierarchy (and its edits) with the template?")) edit("use_template", { template: $("replace-template").value });
  };
  $("start-session").onclick = () => {
    $("setup-error").textContent = "";
    send("start_session", { code: state.clientCode, baseline_ssq: ssqAnswers("ssq-baseline"), auto_mode: $("auto-mode").checked });
  };

  // ---- live controls ------------------------------------------------------------------
  document.querySelectorAll("[data-safety]").forEach((b) => (b.onclick = () => safety(b.dataset.safety)));
  function safety(action) {
    if (action === "stop") { $("confirm-stop").showModal(); return; }
    if (!state.snapshot || state.snapshot.status === "not_started") { toast("No session is running"); return; }
    send(action, {});
  }
  $("confirm-stop").addEventListener("close", () => {
    if ($("confirm-stop").returnValue === "stop") send("stop", { reason: $("stop-reason").value });
  });
  $("step-up").onclick = () => send("step_up");
  $("step-down").onclick = () => send("step_down");
  $("intensity").onchange = (e) => send("set_intensity", { intensity: +e.target.value });
  $("intensity").oninput = (e) => ($("intensity-value").textContent = e.target.value);
  $("auto-live").onchange = (e) => send("auto_mode", { enabled: e.target.checked });
  $("proposal-accept").onclick = () => send("accept", { proposal_id: $("proposal-card").dataset.id });
  $("proposal-decline").onclick = () => send("decline", { proposal_id: $("proposal-card").dataset.id });
  $("suds-record").onclick = () => {
    const v = $("suds-value").value;
    if (v === "") { toast("Type the rating the client said"); return; }
    send("record_suds", { value: +v }); $("suds-value").value = "";
  };
  $("suds-value").addEventListener("keydown", (e) => { if (e.key === "Enter") $("suds-record").click(); });
  $("suds-ask").onclick = () => send("ask_now", { prompt: "suds" });
  $("comfort-record").onclick = () => { const v = $("comfort-value").value; if (v !== "") send("record_comfort", { value: +v }); $("comfort-value").value = ""; };
  $("note-form").onsubmit = (e) => { e.preventDefault(); const t = $("note-text").value.trim(); if (t) send("note", { text: t }); $("note-text").value = ""; };
  $("end-session").onclick = () => { if (confirm("End the session now? The client should be out of the scene.")) send("end_session", { reason: "ended by therapist" }); };
  $("unlock-form").onsubmit = (e) => { e.preventDefault(); state.ws.send(JSON.stringify({ type: "unlock", code: $("unlock-code").value })); $("unlock-code").value = ""; };
  $("export").onclick = () => send("export");
  $("ssq-post-save").onclick = () => {
    $("ssq-post-state").textContent = "saving…";
    const id = send("questionnaire", { questionnaire: "ssq", answers: ssqAnswers("ssq-post"), when: "post" });
    state.onAck[id] = (ack) => {
      $("ssq-post-state").textContent = ack.accepted ? "Saved to the session record." : `Not saved: ${ack.reason}`;
      if (ack.accepted) send("summary");
    };
  };
  $("reload-scene").onclick = () => send("reload_scene");
  // the server puts the ended session away, so every tab goes back to setting up
  $("new-session").onclick = () => send("new_session");

  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select, dialog") || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = { p: "pause", b: "blackout", c: "calm_scene", r: "resume", s: "stop" }[e.key.toLowerCase()];
    if (key) { e.preventDefault(); safety(key); }
  });

  // ---- after the session ------------------------------------------------------------------
  function renderSummary(s) {
    const rows = s.visits.map((v) => `<tr><td>${v.step}</td><td>${esc(v.scenario)}${v.level ? " · " + esc(v.level) : ""}</td><td>${v.minutes}</td><td>${v.peak_suds ?? "—"}</td><td>${v.end_suds ?? "—"}</td><td>${v.habituation_percent == null ? "—" : v.habituation_percent + "%"}</td></tr>`).join("");
    const ssq = Object.entries(s.ssq).map(([k, v]) => `${esc(k)} ${v}`).join(", ") || "—";
    $("summary").innerHTML = `<p><strong>${s.duration_min} min</strong>, reached step <strong>${s.highest_step} of ${s.step_count}</strong>; ${s.proposals} proposals (${s.accepted} accepted, ${s.declined} declined). Ended: ${esc(s.end_reason)}.</p>
      <p>SSQ: ${ssq}. Highest motion-sickness rating: ${s.max_comfort ?? "—"}.</p>
      <table><thead><tr><th>Step</th><th>Scenario</th><th>Minutes</th><th>Peak SUDS</th><th>End SUDS</th><th>Drop</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  // Each step, rating, proposal and safety action links to its moment: the picture the
  // client saw then, replayed from the record by the console server.
  const MOMENT_KINDS = { step: "Step", rating: "Rating", proposal: "Proposal", decision: "Decision", safety: "Safety" };
  function renderMoments(moments) {
    const list = $("moments");
    list.innerHTML = moments.map((m, i) => `<li data-kind="${esc(m.kind)}"><button type="button" class="link" data-moment="${i}" title="Show what the client saw at ${esc(m.clock)}">${esc(m.clock)}</button> <span class="kind">${esc(MOMENT_KINDS[m.kind] || m.kind)}</span> ${esc(m.label)}</li>`).join("");
    $("moments-card").hidden = moments.length === 0;
    list.onclick = (e) => {
      const b = e.target.closest("button[data-moment]");
      if (!b) return;
      const m = moments[Number(b.dataset.moment)];
      if (!state.connected) { toast("Not connected"); return; }
      $("replay-caption").textContent = `Replaying ${m.clock}…`;
      state.replayAsked = m;
      state.ws.send(JSON.stringify({ type: "replay_frame", t: m.t }));
    };
  }
  function showReplayed(m) {
    const caption = $("replay-caption"), img = $("replay-picture");
    if (m.error) { caption.textContent = m.error; return; }
    const asked = state.replayAsked && state.replayAsked.t === m.t ? state.replayAsked.clock : clock(m.t);
    img.src = m.image; img.hidden = false;
    img.alt = `What the client saw at ${asked}`;
    caption.textContent = `What the client saw at ${asked} (replayed from the record)`;
  }
  function download(record) {
    const blob = new Blob([JSON.stringify(record, null, 2)], { type: "application/json" });
    const a = document.createElement("a"); a.href = URL.createObjectURL(blob);
    a.download = "session-record.json"; a.click(); setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }
  window.addEventListener("resize", () => tickTimers());
  connect();
})();
// The client's display: live frame rate, late and dropped frames, a warning below its rate.
function renderBehaviour(b) {
  // the current step's behaviour measures from the client's tracked head (the snapshot's)
  const el = document.getElementById("behaviour");
  if (!b || !b.moments) { el.textContent = "Head on this step: not tracked yet"; return; }
  const pc = (v) => (v === null || v === undefined ? "—" : `${Math.round(100 * v)} %`);
  const parts = b.with_stimulus
    ? [`looking at ${pc(b.at_share)}`, `away ${pc(b.away_share)}`]
    : ["stimulus not on screen"];
  parts.push(`down ${pc(b.down_share)}`);
  if (b.closest_m !== null) parts.push(`closest ${b.closest_m.toFixed(1)} m`);
  if (b.turn_deg_per_s !== null) parts.push(`turning ${Math.round(b.turn_deg_per_s)}°/s`);
  el.textContent = `Head on this step: ${parts.join(" · ")}`;
}

function renderFrameRate(f) {
  const el = document.getElementById("frame-rate");
  if (!f) { el.textContent = "—"; el.classList.remove("error"); el.title = ""; return; }
  const low = f.fps < 0.95 * f.target_hz;
  const missed = f.late || f.dropped ? ` · ${f.late} late, ${f.dropped} dropped` : "";
  el.textContent = `${Math.round(f.fps)} of ${Math.round(f.target_hz)} /s${missed}` +
    (low ? " — below the headset's rate: watch for discomfort" : "");
  el.classList.toggle("error", low);
  el.title = `last ${f.window_s} s: median ${f.median_ms} ms, worst ${f.worst_ms} ms per frame`;
}
