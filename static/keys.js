// Keyboard triage (progressive enhancement: every action also works with the mouse and without
// script). On the queue: j/k move, Enter opens. On a request: t take, r resolve, x reject,
// o route, c consult, w ask the requester, d duplicate, e edit, n internal note; Ctrl+Enter sends the open form, Esc
// closes it; after a decision the next request waiting for triage opens. Everywhere: / search,
// g then q the queue, ? this list.
(function () {
  "use strict";
  // Page loads in this tab, for measuring how many a triage takes.
  try { sessionStorage.setItem("gk-loads", String(Number(sessionStorage.getItem("gk-loads") || 0) + 1)); } catch (e) { /* private mode */ }

  var typing = function (el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  };

  // Decisions that hand the request on tell the server to open the next one afterwards (taking
  // or consulting keeps you on it).
  var advancing = ["resolve", "reject", "route", "duplicate", "wait"];
  document.querySelectorAll(".actions form").forEach(function (form) {
    var action = form.getAttribute("action").split("/").pop();
    if (advancing.indexOf(action) < 0) return;
    var advance = document.createElement("input");
    advance.type = "hidden";
    advance.name = "advance";
    advance.value = "1";
    form.appendChild(advance);
  });

  // A link to a folded section (the queue's "Answer" link) unfolds it.
  if (window.location.hash) {
    var anchor = document.getElementById(window.location.hash.slice(1));
    var folded = anchor && anchor.closest("details");
    if (folded) { folded.open = true; var first = folded.querySelector("textarea, input:not([type=hidden]), select"); if (first) first.focus(); }
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr"));
  // Shift-click ticks every row between the last box ticked and this one.
  var lastPicked = null;
  rows.forEach(function (row, index) {
    var box = row.querySelector("input[name=pick]");
    if (!box) return;
    box.addEventListener("click", function (event) {
      if (event.shiftKey && lastPicked !== null) {
        var from = Math.min(lastPicked, index), to = Math.max(lastPicked, index);
        for (var i = from; i <= to; i++) {
          var other = rows[i].querySelector("input[name=pick]");
          if (other) other.checked = box.checked;
        }
      }
      lastPicked = index;
    });
  });
  var current = -1;
  var select = function (index) {
    if (!rows.length) return;
    if (current >= 0) { rows[current].classList.remove("current"); rows[current].removeAttribute("aria-current"); }
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].classList.add("current");
    rows[current].setAttribute("aria-current", "true");
    rows[current].scrollIntoView({ block: "nearest" });
  };

  var sheet = null;
  var toggleSheet = function () {
    if (!sheet) {
      sheet = document.createElement("aside");
      sheet.className = "card shortcuts";
      sheet.setAttribute("role", "dialog");
      sheet.setAttribute("aria-label", "Keyboard shortcuts");
      sheet.innerHTML = "<h2>Keyboard shortcuts</h2><dl>" +
        [["j / k", "next / previous request in the queue"], ["Enter", "open it"], ["x (queue)", "tick it for a bulk action; shift-click ticks a range"], ["t", "take"], ["r", "resolve"],
         ["x", "reject"], ["o", "route"], ["c", "consult"], ["w", "ask the requester"], ["d", "close as duplicate"], ["e", "edit title, description, category, service, urgency"], ["n", "internal note (answer a consult)"],
         ["Ctrl+Enter", "send the open form (then the next request opens)"], ["Esc", "close the form"],
         ["/", "search"], ["g q", "go to the queue"], ["?", "this list"]]
          .map(function (k) { return "<dt><kbd>" + k[0] + "</kbd></dt><dd>" + k[1] + "</dd>"; }).join("") + "</dl>";
      document.body.appendChild(sheet);
      return;
    }
    sheet.hidden = !sheet.hidden;
  };

  var openAction = function (action) {
    var form = document.querySelector(".actions form[action$='/" + action + "']") ||
      document.querySelector("main form[action$='/" + action + "']");
    if (!form) return false;
    var details = form.closest("details");
    if (details) details.open = true;
    var field = form.querySelector("select, textarea, input:not([type=hidden])");
    if (field) field.focus(); else form.requestSubmit();
    return true;
  };

  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (event.key === "Escape" && typing(target)) {
      var details = target.closest("details");
      if (details) details.open = false;
      target.blur();
      return;
    }
    if (typing(target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (pendingG) {
      pendingG = false;
      if (event.key === "q") { window.location.href = "/queue"; event.preventDefault(); }
      return;
    }
    // On the queue, x ticks the selected row for a bulk action (on a request it rejects).
    if (event.key === "x" && current >= 0) {
      var pick = rows[current].querySelector("input[name=pick]");
      if (pick) { pick.checked = !pick.checked; event.preventDefault(); return; }
    }
    var keys = { t: "take", r: "resolve", x: "reject", o: "route", c: "consult", w: "wait", d: "duplicate", e: "edit", n: "note" };
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "Enter":
        if (current < 0) return;
        var link = rows[current].querySelector("a");
        if (link) window.location.href = link.href;
        break;
      case "/":
        var search = document.getElementById("nav-search");
        if (!search) return;
        search.focus();
        break;
      case "g": pendingG = true; break;
      case "?": toggleSheet(); break;
      default:
        if (!keys[event.key] || !openAction(keys[event.key])) return;
    }
    event.preventDefault();
  });
})();
