// The console's sound panel: the client's master volume, mute, recording of the client's
// voice (off unless turned on), and the current scene's named cues (each press is one
// "fire_cue" command, recorded in the session log).
"use strict";
window.SoundPanel = class SoundPanel {
  constructor(root, send) {
    this.root = root;
    this.send = send;
    this.volume = root.querySelector("#sound-volume");
    this.volumeOut = root.querySelector("#sound-volume-value");
    this.mute = root.querySelector("#sound-mute");
    this.cues = root.querySelector("#sound-cues");
    this.shownCues = "";
    this.volume.oninput = () => (this.volumeOut.textContent = `${this.volume.value} %`);
    this.volume.onchange = () => send("sound_output", { volume: +this.volume.value / 100 });
    this.mute.onclick = () => send("sound_output", { muted: this.mute.getAttribute("aria-pressed") !== "true" });
    this.record = root.querySelector("#voice-record");
    this.record.onclick = () => send("voice_recording", { on: this.record.getAttribute("aria-pressed") !== "true" });
  }
  render(s) {
    const percent = Math.round(s.sound_volume * 100);
    if (document.activeElement !== this.volume) this.volume.value = percent;
    this.volumeOut.textContent = `${percent} %`;
    this.mute.setAttribute("aria-pressed", String(s.sound_muted));
    this.mute.textContent = s.sound_muted ? "Unmute" : "Mute";
    this.root.dataset.muted = String(s.sound_muted);
    this.record.setAttribute("aria-pressed", String(s.voice_recording));
    this.record.textContent = s.voice_recording ? "Stop recording the voice" : "Record client's voice";
    const key = JSON.stringify(s.cues);
    if (key === this.shownCues) return;
    this.shownCues = key;
    this.cues.innerHTML = "";
    for (const cue of s.cues) {
      const b = document.createElement("button");
      b.textContent = cue.label; b.dataset.cue = cue.name; b.title = `Play the cue '${cue.name}' in the headset`;
      b.onclick = () => this.send("fire_cue", { cue: cue.name });
      this.cues.append(b);
    }
    this.cues.hidden = !s.cues.length;
  }
};
