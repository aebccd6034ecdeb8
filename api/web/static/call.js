// The call page's player: the transcript follows playback, findings sit on a timeline, and the
// score sheet answers to the keyboard. The page works without it (forms post, links open).
"use strict";

(function () {
  const player = document.getElementById("player");
  const card = document.getElementById("player-card");
  const timeline = document.getElementById("timeline");
  const playhead = document.getElementById("playhead");
  const segments = Array.from(document.querySelectorAll("#transcript .segment"));
  const items = Array.from(document.querySelectorAll("#sheet .item"));
  const duration = () => (player && isFinite(player.duration) && player.duration) || Number(card.dataset.duration) || 1;
  let current = null;
  let selected = null;

  function placeMarkers() {
    for (const marker of timeline.querySelectorAll(".marker")) {
      const start = Number(marker.dataset.start);
      const end = Math.max(Number(marker.dataset.end), start + 0.4);
      marker.style.left = (100 * start / duration()) + "%";
      marker.style.width = Math.max(0.4, 100 * (end - start) / duration()) + "%";
    }
  }

  function seek(seconds) {
    if (!player) return;
    player.currentTime = Math.max(0, seconds);
    player.play().catch(() => {});
  }

  function follow() {
    const t = player.currentTime;
    playhead.style.left = (100 * t / duration()) + "%";
    const now = segments.find((s) => Number(s.dataset.start) <= t && t < Number(s.dataset.end)) || null;
    if (now === current) return;
    if (current) current.classList.remove("current");
    current = now;
    if (current) {
      current.classList.add("current");
      current.scrollIntoView({ block: "nearest" });
    }
  }

  function select(item) {
    if (selected) selected.classList.remove("selected");
    selected = item;
    if (selected) {
      selected.classList.add("selected");
      selected.scrollIntoView({ block: "nearest" });
    }
  }

  function press(key) {
    const button = selected && selected.querySelector(`button[data-key="${key}"]`);
    if (button) button.click();
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-seek]");
    if (target) seek(Number(target.dataset.seek));
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select")) return;
    // The player's own controls answer space and the arrows when it has the focus: twice would undo it.
    if (event.target === player && (event.key === " " || event.key.startsWith("Arrow"))) return;
    const step = { j: 1, k: -1 }[event.key];
    if (event.key === " " && player) {
      event.preventDefault();
      if (player.paused) player.play().catch(() => {}); else player.pause();
    } else if ((event.key === "b" || event.key === "ArrowLeft") && player) {
      player.currentTime = Math.max(0, player.currentTime - 5);
    } else if (step && items.length) {
      const at = items.indexOf(selected);
      select(items[Math.min(items.length - 1, Math.max(0, at + step))]);
    } else if (event.key === "c" || event.key === "f") {
      press(event.key);
    } else if (event.key === "n") {
      const next = document.getElementById("next-call");
      if (next) window.location.assign(next.href);
    } else {
      return;
    }
    event.preventDefault();
  });

  for (const item of items) item.addEventListener("focusin", () => select(item));
  const wanted = window.location.hash && document.getElementById(window.location.hash.slice(1));
  select(wanted && wanted.classList.contains("item") ? wanted : items.find((i) => !i.querySelector(".status + .status")) || items[0] || null);

  placeMarkers();
  if (player) {
    player.addEventListener("loadedmetadata", placeMarkers);
    player.addEventListener("timeupdate", follow);
    player.addEventListener("seeked", follow);
  }
})();
