// The trainer's view: polls ./progress (JSON) and redraws the room; a row opens the learner's
// details (./learner/<id>). Text goes in with textContent only, so a learner's display name or
// an error message can never become markup.
(function () {
  "use strict";
  const table = document.getElementById("room");
  const body = table.querySelector("tbody");
  const status = document.getElementById("status");
  const summary = document.getElementById("summary");
  const dialog = document.getElementById("detail");
  const stale = document.getElementById("stale");
  const every = Number(table.dataset.pollSeconds || 2) * 1000;
  const STATES = {
    stuck: ["✘", "stuck"], silent: ["⚠", "kernel silent"], expected: ["◇", "expected error"],
    working: ["●", "working"], idle: ["○", "idle"], new: ["–", "nothing yet"],
  };
  const CELLS = {
    done: ["✔", "done"], passed: ["✔", "passed, seen by the sandbox"],
    reported: ["☑", "reported passed by the kernel, not seen by the sandbox"],
    failed: ["✘", "latest attempt failed"], expected: ["◇", "expected error"], tried: ["…", "tried"],
    todo: ["·", "not yet"],
  };
  let shownAccount = null;
  let now = Date.now() / 1000;
  let staleSince = null;  // when the view stopped being updated (null: it is up to date)

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function span(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + "s";
    if (seconds < 3600) return Math.floor(seconds / 60) + "m";
    const minutes = Math.floor(seconds / 60);
    return Math.floor(minutes / 60) + "h" + String(minutes % 60).padStart(2, "0");
  }

  function clock(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString();
  }

  // What the "Where · what" cell says: the failure for a stuck learner, else where they are.
  function whatOf(learner) {
    const latest = learner.latest || {};
    if (learner.state === "stuck" || learner.state === "expected") {
      const where = latest.where ? " (" + latest.where + ")" : "";
      const prefix = learner.state === "expected" ? "expected: " + (latest.expected || "") + " · " : "";
      return prefix + (latest.title || "") + (latest.text ? ": " + latest.text : "") + where;
    }
    if (learner.state === "silent") {
      return "kernel silent since " + clock(learner.kernel.last_seen) + " (" + (learner.kernel.notebook || "?") + ")";
    }
    const place = learner.place && learner.place.where;
    if (learner.kernel && learner.kernel.ended) return (place ? place + " · " : "") + "kernel shut down";
    if (learner.kernel && !learner.kernel.ran_cell) return (place ? place + " · " : "") + "kernel up, no cell run yet";
    return place || (learner.last_activity ? "calls only (no kernel reports)" : "");
  }

  function row(learner, columns) {
    const tr = element("tr", null, learner.state);
    tr.dataset.account = learner.id;
    tr.tabIndex = 0;
    const [symbol, word] = STATES[learner.state];
    const state = element("td", symbol + (learner.since ? " " + span(now - learner.since) : ""),
      "state " + learner.state);
    state.dataset.state = learner.state;
    state.setAttribute("aria-label", word);
    tr.appendChild(state);
    const who = element("td", null, "who");
    if (learner.same_name) {  // before the name, so that a long name cannot hide it
      const mark = who.appendChild(element("span", "≈", "same"));
      mark.setAttribute("aria-label", "same name as another learner");
    }
    who.appendChild(element("b", learner.display_name || "(no name yet)"));
    who.title = learner.display_name || "";  // the whole name, where the column cuts it
    tr.appendChild(who);
    tr.appendChild(element("td", whatOf(learner), "what"));
    for (const column of columns) {
      const value = learner.cells[column.key];
      const td = element("td", CELLS[value][0], "col " + value);
      td.dataset.col = column.key;
      td.setAttribute("aria-label", column.title + ": " + CELLS[value][1]);
      tr.appendChild(td);
    }
    const note = element("td", null, "note");
    if (learner.note) {
      const mark = element("span", learner.note.kind === "stuck" ? "⚑" : "✔", "note-" + learner.note.kind);
      mark.dataset.note = learner.note.kind;
      note.appendChild(mark);
    }
    tr.appendChild(note);
    return tr;
  }

  function counts(room) {
    const total = room.summary.learners;
    document.getElementById("of").textContent = "of " + total + (total === 1 ? " learner" : " learners");
    for (const column of room.columns) {
      const cell = table.querySelector('th[data-count="' + column.key + '"]');
      const count = room.counts[column.key];
      cell.replaceChildren(document.createTextNode(String(column.kind === "step" ? count.done : count.passed)));
      if (column.kind === "exercise" && count.reported) cell.appendChild(element("small", "+" + count.reported));
      cell.setAttribute("aria-label", column.kind === "step"
        ? count.done + " of " + total + " " + column.title
        : count.passed + " of " + total + " passed, " + count.reported + " reported");
    }
  }

  function words(room) {
    const s = room.summary;
    const parts = [s.learners + (s.learners === 1 ? " learner" : " learners"), s.stuck + " stuck"];
    if (s.notes) parts.push(s.notes + " ⚑ note" + (s.notes === 1 ? "" : "s"));
    if (s.silent) parts.push(s.silent + " kernel" + (s.silent === 1 ? "" : "s") + " silent");
    return parts.join(" · ");
  }

  // The table as it was at the last answer, greyed out under a banner that says since when and
  // what to do; polling goes on, and the next answer brings it back.
  function markStale(signedOut, reason) {
    if (staleSince === null) staleSince = Date.now() / 1000;
    table.classList.add("stale");
    const since = clock(staleSince);
    if (signedOut) {
      const again = element("a", "Sign in again");
      again.href = "login";
      stale.replaceChildren("Signed out since " + since + " (the sandbox restarted, or the session is older than "
        + "12 hours): the table shows the room as it was then. ", again, ".");
      status.textContent = "Signed out.";
    } else {
      stale.replaceChildren("The sandbox is not answering since " + since + " (" + reason + "): the table shows "
        + "the room as it was then. Is the sandbox still running? Trying again every " + every / 1000 + " s.");
      status.textContent = "The sandbox did not answer; trying again.";
    }
    stale.hidden = false;
  }

  async function refresh() {
    try {
      const answer = await fetch("progress", { credentials: "same-origin", cache: "no-store" });
      if (answer.status === 403) {
        markStale(true);
        setTimeout(refresh, every);
        return;
      }
      if (!answer.ok) throw new Error("HTTP " + answer.status);
      const room = await answer.json();
      now = room.now;
      const focused = document.activeElement && document.activeElement.dataset
        ? document.activeElement.dataset.account : undefined;
      body.replaceChildren(...room.learners.map((learner) => row(learner, room.columns)));
      if (focused) {  // a keyboard user keeps their place across redraws
        const again = body.querySelector('tr[data-account="' + CSS.escape(focused) + '"]');
        if (again) again.focus({ preventScroll: true });
      }
      if (!room.learners.length) {
        const empty = element("td", "No learner has made a request yet.");
        empty.colSpan = table.tHead.rows[0].cells.length;
        body.appendChild(element("tr")).appendChild(empty);
      }
      counts(room);
      summary.textContent = words(room);
      status.textContent = "updated " + new Date().toLocaleTimeString();
      staleSince = null;
      stale.hidden = true;
      table.classList.remove("stale");
      if (shownAccount && dialog.open) await showLearner(shownAccount);
    } catch (error) {
      markStale(false, error.message);
    }
    setTimeout(refresh, every);
  }

  // ------------------------------------------------------------------ a learner's details

  function post(path) {
    return fetch(path, { method: "POST", credentials: "same-origin" });
  }

  function tableOf(headers, rows) {
    const out = element("table");
    const head = out.createTHead().insertRow();
    for (const h of headers) head.appendChild(element("th", h));
    const tbody = out.createTBody();
    for (const cells of rows) {
      const tr = tbody.insertRow();
      for (const c of cells) tr.appendChild(element("td", c));
    }
    return out;
  }

  function render(learner) {
    document.getElementById("detail-name").textContent = (learner.display_name || "(no name yet)")
      + (learner.same_name ? " ≈ same name as another learner" : "") + " · " + learner.id;
    const out = document.getElementById("detail-body");
    const parts = [];
    const [symbol, word] = STATES[learner.state];
    parts.push(element("p", symbol + " " + word + (learner.since ? " for " + span(now - learner.since)
      + " (since " + clock(learner.since) + ")" : "") + " · stuck " + span(learner.stuck_seconds)
      + " in all, " + learner.stuck_times + " time" + (learner.stuck_times === 1 ? "" : "s")));
    const latest = learner.latest;
    if (latest) {
      const box = element("div", null, "latest " + learner.state);
      box.appendChild(element("b", (latest.expected ? "expected: " + latest.expected + " · " : "") + latest.title));
      if (latest.text) box.appendChild(document.createTextNode(": " + latest.text));
      const facts = [latest.where, latest.call, latest.request_id, "at " + clock(latest.at),
        latest.source === "kernel" ? "reported by the learner's kernel" : "answered by the sandbox"];
      box.appendChild(element("div", facts.filter(Boolean).join(" · "), "hint"));
      parts.push(box);
    }
    if (learner.kernel) {
      const k = learner.kernel;
      parts.push(element("p", "Kernel: " + (k.notebook || "?") + (k.ended ? ", shut down" : k.silent
        ? ", silent since " + clock(k.last_seen) : ", heard " + span(now - k.last_seen) + " ago")));
    } else {
      parts.push(element("p", "No kernel reports: only what the sandbox answered (reports off, Stripe test "
        + "mode, or calls from outside a notebook)."));
    }
    const actions = element("div", null, "actions");
    if (learner.note) {
      actions.appendChild(element("span", "Note: " + (learner.note.kind === "stuck" ? "⚑ I'm stuck" : "✔ done")
        + (learner.note.text ? ": " + learner.note.text : "") + " (" + clock(learner.note.at) + ")"));
      const clear = element("button", "Take the note down");
      clear.type = "button";
      clear.addEventListener("click", async () => {
        await post("learner/" + encodeURIComponent(learner.id) + "/note/clear");
        await refreshSoon();
      });
      actions.appendChild(clear);
    }
    const form = element("form");
    form.method = "post";
    form.action = "learner/" + encodeURIComponent(learner.id) + "/dashboard";
    form.target = "_blank";
    const open = element("button", "Open their Dashboard (read-only)");
    open.type = "submit";
    form.appendChild(open);
    actions.appendChild(form);
    parts.push(actions);
    const tried = Object.entries(learner.outcomes).sort((a, b) => b[1].at - a[1].at);
    parts.push(element("h3", "Latest outcome per step and exercise"));
    parts.push(tableOf(["step or exercise", "when", "outcome", "where"], tried.map(([item, o]) => [
      item, clock(o.at), (o.ok ? "✔ " : o.expected ? "◇ " : "✘ ") + o.title + (o.text ? ": " + o.text : ""),
      o.where || ""])));
    parts.push(element("h3", "Request log (newest first)"));
    parts.push(tableOf(["time", "call", "status", "error"], learner.requests.map((r) => [
      clock(r.time), r.method + " " + r.path, r.status,
      r.status >= 400 ? (r.error_code || r.error_type || "") + ": " + (r.error_message || "") : ""])));
    out.replaceChildren(...parts);
  }

  async function showLearner(account) {
    const answer = await fetch("learner/" + encodeURIComponent(account), { credentials: "same-origin",
      cache: "no-store" });
    if (!answer.ok) return;
    render(await answer.json());
  }

  async function refreshSoon() {
    await showLearner(shownAccount);
  }

  async function open(account) {
    shownAccount = account;
    await showLearner(account);
    if (!dialog.open) dialog.showModal();
  }

  body.addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-account]");
    if (tr) open(tr.dataset.account);
  });
  body.addEventListener("keydown", (event) => {
    const tr = event.target.closest("tr[data-account]");
    if (tr && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      open(tr.dataset.account);
    }
  });
  document.getElementById("detail-close").addEventListener("click", () => {
    shownAccount = null;
    dialog.close();
  });
  dialog.addEventListener("close", () => { shownAccount = null; });
  refresh();
})();
