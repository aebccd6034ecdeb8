// The call page's side of the library: `?t=SECONDS` (a saved moment's link) seeks the player
// there and brings the transcript line said then into view; opening "Save to library" fills the
// moment from the player (from where it is, 15 s on), so a trainer saves what they just heard.
"use strict";
(() => {
  const player = document.getElementById("player");
  const wanted = Number(new URLSearchParams(window.location.search).get("t"));
  if (wanted > 0) {
    if (player) player.currentTime = wanted;
    const lines = [...document.querySelectorAll("#transcript .segment")];
    const line = lines.find((l) => Number(l.dataset.end) > wanted) || null;
    if (line) {
      line.classList.add("moment");
      line.scrollIntoView({ block: "center" });
    }
  }
  const form = document.getElementById("save-to-library");
  if (!form) return;
  form.addEventListener("toggle", () => {
    const start = document.getElementById("save-start");
    const end = document.getElementById("save-end");
    if (!form.open || !player || start.value) return;
    const length = Number(document.getElementById("player-card").dataset.duration) || player.duration || 0;
    const at = Math.floor(player.currentTime * 10) / 10;
    start.value = at.toFixed(1);
    end.value = (length ? Math.min(length, at + 15) : at + 15).toFixed(1);
  });
})();
