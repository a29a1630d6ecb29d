// @mention autocomplete in the request page's text boxes (progressive enhancement: typing the
// handle by hand works the same). The people come from the page's data-mentionable.
(function () {
  "use strict";
  var holder = document.querySelector("[data-mentionable]");
  if (!holder) return;
  var people = [];
  try { people = JSON.parse(holder.getAttribute("data-mentionable") || "[]"); } catch (e) { return; }
  if (!people.length) return;
  var list = document.createElement("ul");
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  document.body.appendChild(list);
  var field = null, start = -1, active = 0, shown = [];

  var close = function () { list.hidden = true; field = null; start = -1; };
  var pick = function (person) {
    var text = field.value, caret = field.selectionStart;
    field.value = text.slice(0, start) + "@" + person.handle + " " + text.slice(caret);
    var at = start + person.handle.length + 2;
    field.setSelectionRange(at, at);
    field.focus();
    close();
  };
  var render = function () {
    list.replaceChildren();
    shown.forEach(function (person, i) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", i === active ? "true" : "false");
      item.textContent = "@" + person.handle + " — " + person.name;
      item.addEventListener("mousedown", function (event) { event.preventDefault(); pick(person); });
      list.appendChild(item);
    });
    var box = field.getBoundingClientRect();
    list.style.left = (window.scrollX + box.left) + "px";
    list.style.top = (window.scrollY + box.bottom) + "px";
    list.hidden = !shown.length;
  };

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.tagName !== "TEXTAREA") return;
    var before = target.value.slice(0, target.selectionStart);
    var match = /(^|[^\w.@+-])@([\w.+-]*)$/.exec(before);
    if (!match) { close(); return; }
    field = target;
    start = before.length - match[2].length - 1;
    var typed = match[2].toLowerCase();
    shown = people.filter(function (p) { return p.handle.indexOf(typed) === 0 || p.name.toLowerCase().indexOf(typed) === 0; }).slice(0, 6);
    active = 0;
    render();
  });
  document.addEventListener("keydown", function (event) {
    if (list.hidden || event.target !== field) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if (event.key === "Enter" || event.key === "Tab") {
      pick(shown[active]);
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    // The page's own shortcuts never see these keys while the list is open.
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);
  document.addEventListener("focusout", function (event) { if (event.target === field) close(); });
})();
