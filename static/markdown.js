// Markdown preview in place (progressive enhancement: the button shows only with script). The
// server renders it, with the same sanitiser as the saved text.
(function () {
  "use strict";
  document.querySelectorAll("button[data-preview]").forEach(function (b) { b.hidden = false; });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-preview]");
    if (!button || !button.form) return;
    event.preventDefault();
    var form = button.form;
    var body = new URLSearchParams(new FormData(form));
    fetch("/preview", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var rendered = new DOMParser().parseFromString(html, "text/html").querySelector("[data-preview-of]");
        var box = form.querySelector(".md-preview");
        if (!box) {
          box = document.createElement("div");
          box.className = "md-preview card";
          box.setAttribute("aria-live", "polite");
          button.closest("p").after(box);
        }
        box.replaceChildren();
        if (rendered) box.append.apply(box, Array.prototype.slice.call(rendered.childNodes));
      })
      .catch(function () { /* the text is still there; the preview just did not come */ });
  });
})();
