// A small SUDS chart on a canvas: ratings over session time, step boundaries,
// prompts. Hand-written (about 100 lines) so the console ships no third-party code.
"use strict";
window.SudsChart = class SudsChart {
  constructor(canvas) { this.canvas = canvas; this.ratings = []; this.steps = []; this.prompts = []; this.now = 0; }
  reset() { this.ratings = []; this.steps = []; this.prompts = []; }
  addRating(t, v) { this.ratings.push([t, v]); }
  addStep(t, label) { this.steps.push([t, label]); }
  addPrompt(t) { this.prompts.push(t); }
  draw(now, ceiling) {
    const c = this.canvas, dpr = window.devicePixelRatio || 1;
    c.dataset.ratings = String(this.ratings.length);
    c.dataset.steps = String(this.steps.length);
    const w = c.clientWidth || 640, h = c.clientHeight || 220;
    if (c.width !== Math.round(w * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = "11px system-ui"; g.lineWidth = 1;
    const L = 34, R = 10, B = 24, T = this.legend(g, w, ceiling) + 12;
    const tmax = Math.max(600, now || 0, ...this.ratings.map(r => r[0])) * 1.02;
    const x = t => L + (w - L - R) * (t / tmax);
    const y = v => T + (h - T - B) * (1 - v / 100);
    g.fillStyle = "#5b6660"; g.strokeStyle = "#e3e7e4";
    g.fillStyle = "#5b6660"; g.fillText("SUDS", 2, T - 4);
    for (let v = 0; v <= 100; v += 25) {
      g.beginPath(); g.moveTo(L, y(v)); g.lineTo(w - R, y(v)); g.stroke();
      g.fillText(String(v), 6, y(v) + 4);
    }
    const stepMin = tmax > 3600 ? 15 : tmax > 1200 ? 5 : 2;
    for (let m = 0; m * 60 <= tmax; m += stepMin) g.fillText(`${m}′`, x(m * 60) - 6, h - 6);
    if (ceiling) {
      g.strokeStyle = "rgba(163,32,32,.45)"; g.setLineDash([4, 4]);
      g.beginPath(); g.moveTo(L, y(ceiling)); g.lineTo(w - R, y(ceiling)); g.stroke(); g.setLineDash([]);
    }
    g.strokeStyle = "#8aa39a";
    for (const [t, label] of this.steps) {
      g.beginPath(); g.moveTo(x(t), T); g.lineTo(x(t), h - B); g.stroke();
      g.fillStyle = "#24614a"; g.fillText(label, x(t) + 3, T + 10);
      g.strokeStyle = "#8aa39a";
    }
    g.fillStyle = "#b7791f";
    for (const t of this.prompts) { g.fillRect(x(t) - 1, h - B - 6, 2, 6); }
    if (this.ratings.length) {
      g.strokeStyle = "#1f2a25"; g.lineWidth = 2; g.beginPath();
      this.ratings.forEach(([t, v], i) => (i ? g.lineTo(x(t), y(v)) : g.moveTo(x(t), y(v))));
      g.stroke();
      g.fillStyle = "#1f2a25";
      for (const [t, v] of this.ratings) { g.beginPath(); g.arc(x(t), y(v), 3.5, 0, 6.3); g.fill(); }
      const [lt, lv] = this.ratings[this.ratings.length - 1]; // the latest rating, labelled
      g.font = "600 11px system-ui"; g.fillText(String(Math.round(lv)), x(lt) + 5, y(lv) - 5); g.font = "11px system-ui";
    }
    if (now) { g.strokeStyle = "rgba(0,0,0,.25)"; g.beginPath(); g.moveTo(x(now), T); g.lineTo(x(now), h - B); g.stroke(); }
  }
  legend(g, w, ceiling) {
    // what each mark means, drawn across the top
    const items = [
      ["dot", "#1f2a25", "SUDS"],
      ["line", "#8aa39a", "new step (S2 = step 2)"],
      ["tick", "#b7791f", "asked in headset"],
    ];
    if (ceiling) items.push(["dash", "rgba(163,32,32,.7)", `step-down line (${ceiling})`]);
    let x = 34, y = 9;
    for (const [kind, colour, text] of items) {
      const width = 18 + g.measureText(text).width + 12;
      if (x > 34 && x + width > w) { x = 34; y += 14; } // wrap onto the next line
      g.fillStyle = colour; g.strokeStyle = colour;
      if (kind === "dot") { g.beginPath(); g.arc(x + 4, y, 3.5, 0, 6.3); g.fill(); }
      else if (kind === "line") { g.beginPath(); g.moveTo(x + 4, y - 6); g.lineTo(x + 4, y + 6); g.stroke(); }
      else if (kind === "tick") { g.fillRect(x + 3, y, 2, 6); }
      else { g.setLineDash([4, 3]); g.beginPath(); g.moveTo(x, y); g.lineTo(x + 10, y); g.stroke(); g.setLineDash([]); }
      g.fillStyle = "#3b4640"; g.fillText(text, x + 13, y + 4);
      x += width;
    }
    return y + 6;
  }
};
