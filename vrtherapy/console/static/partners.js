// The console's conversation panel: each partner's node and latest line, the client's
// choices (pressing one marks the client's spoken answer: Wizard-of-Oz), the therapist's
// triggers, say again, skip, free text "say this now", live behaviour sliders, and the
// scenario's skills scored 1–5. Every press is one command, recorded in the session log.
"use strict";
window.ConversationPanel = class ConversationPanel {
  constructor(root, send) {
    this.root = root;
    this.send = send;
    this.partners = root.querySelector("#conversation-partners");
    this.skills = root.querySelector("#conversation-skills");
    this.transcript = root.querySelector("#conversation-transcript");
    this.shown = "";
    this.drafts = {}; // typed "say this now" text per partner, kept across re-renders
  }
  static sliders = [
    ["eye_contact", "eye contact", 0, 1, 0.05],
    ["valence", "warmth (−1 hostile … +1 warm)", -1, 1, 0.1],
    ["interruption", "interrupts", 0, 1, 0.05],
    ["latency_s", "answers after (s)", 0, 10, 0.5],
    ["speaking_rate", "speech rate", 0.5, 2, 0.1],
  ];
  static esc(text) {
    return String(text).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
  }
  button(text, name, args, title) {
    const b = document.createElement("button");
    b.textContent = text; b.dataset.command = name; if (title) b.title = title;
    b.onclick = () => this.send(name, args);
    return b;
  }
  render(s) {
    const c = s.conversation;
    const has = c && (c.partners.length || c.skills.length);
    this.root.hidden = !has;
    if (!has) return;
    const key = JSON.stringify([c.partners, c.skills, c.transcript, c.subtitles]);
    if (key === this.shown) return;
    this.shown = key;
    this.partners.innerHTML = "";
    let speaking = false; // one "client speaks" button, on the first partner that waits
    for (const p of c.partners) {
      const div = document.createElement("div");
      div.className = "partner"; div.dataset.partner = p.partner_id;
      const state = !p.started ? "not started" : p.ended ? "conversation ended" : `at ${p.node}`;
      const esc = ConversationPanel.esc;
      div.innerHTML = `<h3>${esc(p.name)} <small>${esc(state)}</small></h3><p class="line">${esc(p.line || "—")}</p>`;
      const row = document.createElement("div"); row.className = "row";
      const id = p.partner_id;
      if (!p.started || p.ended) row.append(this.button(p.ended ? "Start again" : "Start", "partner_start", { partner_id: id }));
      else {
        row.append(this.button("Say again", "partner_say_again", { partner_id: id }));
        row.append(this.button("Skip", "partner_skip", { partner_id: id }, "Stop the line; the wait for an answer starts now"));
        if (!speaking) {
          row.append(this.button("Client speaks", "client_speaking", {}, "The client began to answer: a partner may cut in (its interruption probability)"));
          speaking = true;
        }
      }
      div.append(row);
      if (p.offers.length) {
        const choices = document.createElement("div"); choices.className = "quick choices";
        choices.setAttribute("aria-label", "The client answered");
        for (const [index, text] of p.offers) {
          const b = this.button(`client: ${text}`, "partner_choose", { partner_id: id, index }, "Mark what the client said");
          b.dataset.choice = String(index); choices.append(b);
        }
        div.append(choices);
      }
      if (p.triggers.length) {
        const triggers = document.createElement("div"); triggers.className = "quick triggers";
        for (const [tid, label] of p.triggers) {
          const b = this.button(label, "partner_trigger", { partner_id: id, trigger_id: tid });
          b.dataset.trigger = tid; triggers.append(b);
        }
        div.append(triggers);
      }
      const form = document.createElement("form"); form.className = "row say";
      form.innerHTML = '<input placeholder="Say this now…" maxlength="4000" autocomplete="off"><button type="submit">Say</button>';
      const input = form.querySelector("input");
      input.value = this.drafts[id] || "";
      input.oninput = () => (this.drafts[id] = input.value);
      form.onsubmit = (e) => {
        e.preventDefault();
        if (input.value.trim()) this.send("partner_say", { partner_id: id, text: input.value });
        input.value = ""; this.drafts[id] = "";
      };
      div.append(form);
      const live = Object.fromEntries(p.behaviour);
      for (const [name, label, min, max, step] of ConversationPanel.sliders) {
        const l = document.createElement("label"); l.className = "slider";
        const r = document.createElement("input");
        Object.assign(r, { type: "range", min, max, step });
        r.dataset.behaviour = name;
        const out = document.createElement("output");
        const set = name in live;
        r.value = set ? live[name] : (min + max) / 2;
        out.textContent = set ? String(live[name]) : "level's";
        r.oninput = () => (out.textContent = r.value);
        r.onchange = () => this.send("partner_behaviour", { partner_id: id, name, value: +r.value });
        l.append(`${label} `, r, " ", out);
        if (set) l.append(this.button("↺", "partner_behaviour", { partner_id: id, name, value: null }, "Back to the level's value"));
        div.append(l);
      }
      this.partners.append(div);
    }
    this.skills.innerHTML = "";
    const sub = document.createElement("label"); sub.className = "row subtitles";
    const box = document.createElement("input"); box.type = "checkbox"; box.checked = !!c.subtitles;
    box.dataset.command = "subtitles";
    box.onchange = () => this.send("subtitles", { on: box.checked });
    sub.append(box, " subtitles in the headset");
    this.skills.append(sub);
    for (const [name, label, score] of c.skills) {
      const row = document.createElement("div"); row.className = "row skill"; row.dataset.skill = name;
      row.append(`${label}: `);
      for (let v = 1; v <= 5; v++) {
        const b = this.button(String(v), "score_skill", { skill: name, score: v });
        if (score === v) b.className = "primary";
        row.append(b);
      }
      this.skills.append(row);
    }
    this.transcript.innerHTML = "";
    for (const [t, who, text, source] of c.transcript.slice(-8)) {
      const li = document.createElement("li");
      const answer = source === "client" || source === "therapist";
      li.className = answer ? "answer" : "line";
      li.textContent = answer
        ? `client: ${text}${source === "therapist" ? " (marked by the therapist)" : ""}`
        : `${who}: ${text}${source === "say_this_now" ? " (typed)" : ""}`;
      this.transcript.append(li);
    }
  }
};
