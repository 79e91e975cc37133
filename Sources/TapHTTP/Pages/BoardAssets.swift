/// The bench board's page, form, style sheet and script: served from `/board`, nothing from elsewhere.
enum BoardAssets {
    static func signInPage(error: String?) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>TapStation bench board — sign in</title><link rel="stylesheet" href="/board/board.css"></head>
        <body class="signin">
        <main>
        <h1>Bench board</h1>
        <p>Enter this screen's board token once. It is kept in a cookie for this page only.</p>
        \(error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? "")
        <form method="post" action="/board" autocomplete="off">
        <label for="token">Board token</label>
        <input id="token" name="token" type="password" required autofocus spellcheck="false">
        <button type="submit">Show the board</button>
        </form>
        </main>
        </body>
        </html>

        """
    }

    static func boardPage(site: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>TapStation bench board</title><link rel="stylesheet" href="/board/board.css">
        <script src="/board/board.js" defer></script></head>
        <body class="board">
        <header>
        <h1>Bench <span id="site">\(site.filter { $0.isLetter || $0.isNumber || "._-".contains($0) })</span></h1>
        <div id="summary" aria-live="polite"></div>
        <div id="clock"></div>
        <div id="status" class="status">connecting…</div>
        </header>
        <main>
        <table>
        <thead><tr><th>Device</th><th>User</th><th>State</th><th>Time left</th><th>Last step</th></tr></thead>
        <tbody id="rows"><tr><td colspan="5" class="empty">Loading…</td></tr></tbody>
        </table>
        </main>
        <footer><form method="post" action="/board/sign-out"><button type="submit">Sign out</button></form></footer>
        </body>
        </html>

        """
    }

    static let css = """
        * { box-sizing: border-box; }
        html { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; background: #10141a; color: #f2f4f7; }
        body { margin: 0; }
        body.signin main { max-width: 28rem; margin: 12vh auto; padding: 2rem; background: #1b222c; border-radius: 12px; }
        body.signin h1 { margin-top: 0; }
        label { display: block; font-weight: bold; margin: 1rem 0 .4rem; }
        input { width: 100%; font-size: 1.2rem; padding: .6rem; border-radius: 6px; border: 1px solid #5b6675; background: #0d1117; color: #fff; }
        button { margin-top: 1rem; font-size: 1.1rem; padding: .6rem 1.2rem; border: 0; border-radius: 6px; background: #3d7bfd; color: #fff; cursor: pointer; }
        .error { color: #ffb4a8; font-weight: bold; }
        body.board header { display: flex; align-items: baseline; gap: 2.5rem; padding: 1.2rem 2rem; background: #1b222c; }
        body.board h1 { font-size: 2.6rem; margin: 0; }
        #summary { font-size: 1.6rem; flex: 1; }
        #clock { font-size: 2rem; font-variant-numeric: tabular-nums; }
        .status { font-size: 1rem; color: #9aa6b5; }
        .status.live { color: #7ee2a8; }
        table { width: 100%; border-collapse: collapse; font-size: 2rem; }
        th { text-align: left; font-size: 1.1rem; text-transform: uppercase; letter-spacing: .08em; color: #9aa6b5; padding: .8rem 2rem .4rem; }
        td { padding: .7rem 2rem; border-top: 1px solid #2a3340; vertical-align: middle; }
        td.device strong { display: block; font-family: "DejaVu Sans Mono", monospace; letter-spacing: .04em; }
        td.device small, td.step small { display: block; font-size: 1.1rem; color: #9aa6b5; }
        td small.deletion { display: block; font-size: 1.1rem; color: #f0b429; margin-top: .2rem; }
        td.left { font-variant-numeric: tabular-nums; font-weight: bold; }
        td.left.late { color: #ffb4a8; }
        td.empty { text-align: center; color: #9aa6b5; padding: 3rem; }
        .state { display: inline-block; padding: .15rem .8rem; border-radius: 999px; font-size: 1.5rem; font-weight: bold; background: #3a4452; }
        .state.active { background: #1f6feb; }
        .state.inProgress { background: #b7791f; color: #111; }
        .state.pending, .state.awaitingApproval { background: #6e40c9; }
        .state.expired, .state.lockedOut { background: #c93c37; }
        .state.completed { background: #2f855a; }
        footer { padding: 1rem 2rem; text-align: right; }
        footer button { background: #2a3340; font-size: .9rem; }

        """

    /// Reads `/board/sessions`, redraws, and does so again whenever `/board/events` says something happened.
    /// Only `textContent` is written, so no value from the server can become markup.
    static let script = """
        "use strict";
        (function () {
          const rows = document.getElementById("rows");
          const summary = document.getElementById("summary");
          const clock = document.getElementById("clock");
          const status = document.getElementById("status");
          const labels = {
            awaitingApproval: "waiting for approval", pending: "not yet valid", active: "pass ready",
            inProgress: "enrolling", expired: "pass expired", lockedOut: "locked out", completed: "enrolled",
            cancelled: "cancelled", rejected: "rejected", abandoned: "abandoned"
          };
          let snapshot = null;
          let skew = 0;
          let timer = null;

          function cell(text, className) {
            const td = document.createElement("td");
            if (className) { td.className = className; }
            if (text !== undefined) { td.textContent = text; }
            return td;
          }

          function left(deadline) {
            if (!deadline) { return ["—", false]; }
            let seconds = Math.round((Date.parse(deadline) - (Date.now() + skew)) / 1000);
            if (seconds <= 0) { return ["0:00", true]; }
            const hours = Math.floor(seconds / 3600);
            const minutes = Math.floor((seconds % 3600) / 60);
            seconds = seconds % 60;
            const mm = String(minutes).padStart(hours > 0 ? 2 : 1, "0");
            const text = (hours > 0 ? hours + ":" : "") + mm + ":" + String(seconds).padStart(2, "0");
            return [text, hours === 0 && minutes < 5];
          }

          function render() {
            if (!snapshot) { return; }
            clock.textContent = new Date(Date.now() + skew).toISOString().slice(11, 16) + " UTC";
            const counts = {};
            snapshot.sessions.forEach(function (s) { counts[s.state] = (counts[s.state] || 0) + 1; });
            const closed = ["completed", "cancelled", "rejected", "abandoned"];
            const open = snapshot.sessions.filter(function (s) { return closed.indexOf(s.state) < 0; }).length;
            summary.textContent = open + " open · " +
              Object.keys(counts).map(function (k) { return counts[k] + " " + (labels[k] || k); }).join(" · ");
            const body = document.createDocumentFragment();
            if (snapshot.sessions.length === 0) {
              const tr = document.createElement("tr");
              const td = cell("No open sessions", "empty");
              td.colSpan = 5;
              tr.appendChild(td);
              body.appendChild(tr);
            }
            snapshot.sessions.forEach(function (s) {
              const tr = document.createElement("tr");
              const device = cell(undefined, "device");
              const strong = document.createElement("strong");
              strong.textContent = s.serialNumber || "FIDO2 key";
              device.appendChild(strong);
              const small = document.createElement("small");
              small.textContent = [s.assetTag, s.model, s.platform].filter(Boolean).join(" · ");
              device.appendChild(small);
              tr.appendChild(device);
              tr.appendChild(cell(s.user));
              const stateCell = cell();
              const badge = document.createElement("span");
              badge.className = "state " + s.state;
              badge.textContent = labels[s.state] || s.state;
              stateCell.appendChild(badge);
              if (s.entraPassDeletion === "pending") {
                // Closed here, but the pass still signs in at Microsoft until Graph confirms its deletion.
                const note = document.createElement("small");
                note.className = "deletion";
                note.textContent = "Entra pass deletion pending";
                stateCell.appendChild(note);
              }
              tr.appendChild(stateCell);
              const [text, late] = left(s.deadline);
              tr.appendChild(cell(text, "left" + (late ? " late" : "")));
              const step = cell(s.lastStep || "—", "step");
              if (s.lastStepTime) {
                const when = document.createElement("small");
                when.textContent = s.lastStepTime.slice(11, 16) + " UTC";
                step.appendChild(when);
              }
              tr.appendChild(step);
              body.appendChild(tr);
            });
            rows.replaceChildren(body);
          }

          function load() {
            fetch("/board/sessions", { credentials: "same-origin", cache: "no-store" }).then(function (response) {
              if (response.status === 401) { window.location.assign("/board"); return null; }
              return response.json();
            }).then(function (data) {
              if (!data) { return; }
              snapshot = data;
              skew = Date.parse(data.now) - Date.now();
              render();
            }).catch(function () { status.textContent = "offline — retrying"; status.className = "status"; });
          }

          function soon() {
            if (timer) { return; }
            timer = setTimeout(function () { timer = null; load(); }, 300);
          }

          const events = new EventSource("/board/events");
          events.onopen = function () { status.textContent = "live"; status.className = "status live"; };
          events.onerror = function () { status.textContent = "reconnecting…"; status.className = "status"; };
          events.onmessage = soon;
          ["session.created", "session.approved", "session.rejected", "pass.issued", "pass.used", "pass.refused",
           "pass.expired", "pass.locked", "pass.revoked", "device.enrolled", "key.registered", "key.verified",
           "session.completed", "session.cancelled", "session.abandoned", "pass.revocationConfirmed"].forEach(function (type) {
            events.addEventListener(type, soon);
          });
          load();
          setInterval(render, 1000);
          setInterval(load, 60000);
        })();

        """
}
