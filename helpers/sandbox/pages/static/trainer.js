// The trainer's view: polls ./progress (JSON) and redraws the table. Text goes in with
// textContent only, so a learner's display name or an error message can never become markup.
(function () {
  "use strict";
  const table = document.getElementById("room");
  const body = table.querySelector("tbody");
  const status = document.getElementById("status");
  const every = Number(table.dataset.pollSeconds || 2) * 1000;

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function ago(seconds) {
    if (seconds < 60) return Math.max(0, Math.round(seconds)) + " s ago";
    if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
    return Math.round(seconds / 3600) + " h ago";
  }

  function row(learner, steps, now) {
    const tr = element("tr");
    tr.dataset.account = learner.id;
    const who = element("td", learner.display_name || "(no name yet)");
    who.appendChild(element("small", learner.id));
    tr.appendChild(who);
    for (const step of steps) {
      const done = learner.done.includes(step.key);
      const td = element("td", done ? "✔" : "·", done ? "done" : "todo");
      td.dataset.step = step.key;
      td.title = step.title + (done ? ": done" : ": not yet");
      tr.appendChild(td);
    }
    const exercises = learner.exercises;
    const passed = element("td", exercises ? exercises.passed.length + " / " + exercises.total : "–");
    passed.dataset.step = "exercises";
    if (exercises) passed.title = exercises.passed.join(", ");
    tr.appendChild(passed);
    const error = learner.last_error;
    const latest = learner.last_request;
    const stuck = error && !error.expected && latest && latest.request_id === error.request_id;
    const state = error ? (error.expected ? "expected" : stuck ? "stuck" : "resolved") : "";
    const cell = element("td", error ? "" : "–", state);
    cell.dataset.step = "last_error";
    if (error) {
      if (error.expected) cell.appendChild(element("b", "expected: " + error.expected));
      const message = error.status + " " + (error.error_code || error.error_type || "") + ": "
        + (error.error_message || "");
      cell.appendChild(element("span", message, "clamp")).title = message;
      cell.appendChild(element("small", error.method + " " + error.path + " · " + ago(now - error.time)
        + (stuck ? "" : " · later requests succeeded")));
    }
    tr.appendChild(cell);
    tr.appendChild(element("td", latest ? ago(now - latest.time) : "–", "nowrap"));
    return tr;
  }

  async function refresh() {
    try {
      const answer = await fetch("progress", { credentials: "same-origin", cache: "no-store" });
      if (answer.status === 403) {
        status.textContent = "Signed out: sign in again (trainer/login).";
        return;
      }
      const room = await answer.json();
      body.replaceChildren(...room.learners.map((learner) => row(learner, room.steps, room.now)));
      if (!room.learners.length) {
        const empty = element("td", "No learner has made a request yet.");
        empty.colSpan = table.tHead.rows[0].cells.length;
        body.appendChild(element("tr")).appendChild(empty);
      }
      const count = room.learners.length;
      status.textContent = count + (count === 1 ? " learner" : " learners") + " · updated "
        + new Date().toLocaleTimeString();
    } catch (error) {
      status.textContent = "The sandbox did not answer (" + error.message + "); trying again.";
    }
    setTimeout(refresh, every);
  }
  refresh();
})();
