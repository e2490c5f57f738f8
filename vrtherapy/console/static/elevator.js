// The console's elevator panel, shown for a scenario whose car rides to declared stops:
// one button per floor ("send_elevator", recorded in the session log), the floor the car
// is sent to, a lock for the client's own floor buttons ("lock_elevator": while locked,
// the client's requests are refused and the refusals recorded), and the client's latest
// refused request. While the scene is paused, blacked out or calm, the floor buttons are
// off (the session refuses to send the car then: it would ride out of the client's view).
"use strict";
const HELD = { paused: "paused", blackout: "blacked out", calm_scene: "in the calm scene" };
window.ElevatorPanel = class ElevatorPanel {
  constructor(root, send) {
    this.root = root;
    this.send = send;
    this.floors = root.querySelector("#elevator-floors");
    this.floor = root.querySelector("#elevator-floor");
    this.lock = root.querySelector("#elevator-lock");
    this.refused = root.querySelector("#elevator-refused");
    this.shownStops = "";
    this.lock.onclick = () => send("lock_elevator", { locked: this.lock.getAttribute("aria-pressed") !== "true" });
  }
  render(s) {
    const e = s.elevator;
    this.root.hidden = !e;
    if (!e) return;
    const key = JSON.stringify(e.stops);
    if (key !== this.shownStops) {
      this.shownStops = key;
      this.floors.innerHTML = "";
      for (const stop of e.stops) {
        const b = document.createElement("button");
        b.textContent = String(stop); b.dataset.floor = String(stop);
        b.title = `Send the elevator to floor ${stop}`;
        b.onclick = () => this.send("send_elevator", { floor: stop });
        this.floors.append(b);
      }
    }
    const held = s.safety && s.safety !== "none" ? HELD[s.safety] || s.safety : "";
    for (const b of this.floors.querySelectorAll("button")) {
      const here = +b.dataset.floor === e.floor;
      b.setAttribute("aria-current", String(here));
      b.disabled = !e.available || !!held;
    }
    const why = !e.available ? " (the car does not stop at floors at these settings)"
      : held ? ` (the scene is ${held}: resume it to send the car)` : "";
    this.floor.textContent = `${e.label}: ${e.floor}${why}`;
    this.lock.setAttribute("aria-pressed", String(e.locked));
    this.lock.textContent = e.locked ? "Unlock the client's floor buttons" : "Lock the client's floor buttons";
    this.refused.hidden = !e.refused;
    this.refused.textContent = e.refused ? `Client's request refused: ${e.refused}` : "";
  }
};
