// The call page's player: the transcript follows playback, findings sit on a timeline, and the
// score sheet answers to the keyboard. The page works without it (forms post, links open).
// A text conversation has no player: a time (a marker, a line's, an evidence's) shows its turn.
"use strict";

(function () {
  const player = document.getElementById("player");
  const card = document.getElementById("player-card");
  const timeline = document.getElementById("timeline");
  const playhead = document.getElementById("playhead");
  const segments = Array.from(document.querySelectorAll("#transcript .segment"));
  const items = Array.from(document.querySelectorAll("#sheet .item"));
  const text = card.dataset.source === "text";
  const duration = () => (player && isFinite(player.duration) && player.duration) || Number(card.dataset.duration) || 1;
  const within = (percent) => Math.min(100, Math.max(0, percent));
  let current = null;
  let selected = null;

  function placeMarkers() {
    for (const marker of timeline.querySelectorAll(".marker")) {
      const start = Number(marker.dataset.start);
      const end = Math.max(Number(marker.dataset.end), start + 0.4);
      // on the timeline whatever the times say: a marker past the end would widen the page
      const width = within(Math.max(0.4, 100 * (end - start) / duration()));
      marker.style.left = Math.min(within(100 * start / duration()), 100 - width) + "%";
      marker.style.width = width + "%";
    }
  }

  function seek(seconds) {
    if (text) show(segments.filter((s) => Number(s.dataset.start) <= seconds).pop() || segments[0] || null);
    if (!player) return;
    player.currentTime = Math.max(0, seconds);
    player.play().catch(() => {});
  }

  function follow() {
    const t = player.currentTime;
    playhead.style.left = (100 * t / duration()) + "%";
    show(segments.find((s) => Number(s.dataset.start) <= t && t < Number(s.dataset.end)) || null);
  }

  // The line being heard (or the turn a time of a text conversation names), marked and in view.
  function show(now) {
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

  // Marking words: a selection inside one transcript line opens the marking form with the
  // times of the words selected (whole words), its speaker and its words.
  const markForm = document.getElementById("mark-form");
  function chosenWords(selection) {
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    const lineOf = (node) => (node.nodeType === 1 ? node : node.parentElement).closest("#transcript .segment");
    const line = lineOf(range.startContainer);
    if (!line || line !== lineOf(range.endContainer)) return null;  // one line: a mark has one speaker
    const words = Array.from(line.querySelectorAll(".text .w")).filter((word) => {
      const part = document.createRange();  // the part of the word inside the selection
      part.selectNodeContents(word);
      if (range.compareBoundaryPoints(Range.START_TO_START, part) > 0) part.setStart(range.startContainer, range.startOffset);
      if (range.compareBoundaryPoints(Range.END_TO_END, part) < 0) part.setEnd(range.endContainer, range.endOffset);
      return part.toString().trim() !== "";
    });
    const joiner = /[\u4e00-\u9fff]/.test(line.textContent) ? "" : " ";
    if (words.length) {
      return { line, start: words[0].dataset.s, end: words[words.length - 1].dataset.e,
               text: words.map((w) => w.textContent).join(joiner) };
    }
    const text = selection.toString().trim();  // a line without word times (masked): all of it
    return text ? { line, start: line.dataset.start, end: line.dataset.end, text } : null;
  }

  if (markForm) {
    const kind = document.getElementById("mark-kind");
    const field = (name) => markForm.querySelector(`input[name="${name}"]`);
    const showKind = () => {
      for (const label of markForm.querySelectorAll("[data-for]")) {
        label.hidden = label.dataset.for !== kind.value;
        for (const input of label.querySelectorAll("input, select")) input.disabled = label.hidden;
      }
    };
    const offer = () => {
      const chosen = chosenWords(window.getSelection());
      if (!chosen) return;
      for (const name of ["start", "end", "text"]) field(name).value = chosen[name];
      field("speaker").value = chosen.line.dataset.speaker;
      const mood = kind.querySelector('option[value="sentiment"]');
      mood.disabled = chosen.line.dataset.speaker !== "customer";
      if (mood.disabled && kind.value === "sentiment") kind.value = kind.options[0].value;
      document.getElementById("mark-words").textContent = chosen.text;
      document.getElementById("mark-when").textContent = `${chosen.line.dataset.speaker}, ${Number(chosen.start).toFixed(2)}-${Number(chosen.end).toFixed(2)} s`;
      showKind();
      markForm.hidden = false;
    };
    kind.addEventListener("change", showKind);
    document.getElementById("transcript").addEventListener("mouseup", offer);
    document.getElementById("transcript").addEventListener("keyup", offer);
    document.getElementById("mark-cancel").addEventListener("click", () => { markForm.hidden = true; });
  }

  // A search hit links here with `?t=SECONDS`: open the call where its words are said.
  const openAt = Number(new URLSearchParams(window.location.search).get("t"));
  if (player && openAt > 0) {
    const cue = () => { player.currentTime = openAt; };
    if (player.readyState >= 1) cue(); else player.addEventListener("loadedmetadata", cue, { once: true });
  }

  placeMarkers();
  if (player) {
    player.addEventListener("loadedmetadata", placeMarkers);
    player.addEventListener("timeupdate", follow);
    player.addEventListener("seeked", follow);
  }
})();
