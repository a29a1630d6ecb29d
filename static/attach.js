// Attaching files without the file dialog (progressive enhancement: the form works alone): drop
// files on the form, or paste a screenshot into any text box of the request page; either way the
// files go into the form's file input and the form is sent.
(function () {
  "use strict";
  var form = document.querySelector("form[data-attach]");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var send = function (files) {
    if (!files || !files.length) return;
    var list = new DataTransfer();
    Array.prototype.forEach.call(files, function (file, i) {
      // A pasted screenshot arrives as "image.png": give it a name that says what it is.
      var name = file.name && file.name !== "image.png" ? file.name : "screenshot-" + new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-") + "-" + i + ".png";
      list.items.add(new File([file], name, { type: file.type }));
    });
    input.files = list.files;
    form.requestSubmit();
  };
  ["dragenter", "dragover"].forEach(function (name) {
    form.addEventListener(name, function (event) { event.preventDefault(); form.classList.add("dragging"); });
  });
  form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    form.classList.remove("dragging");
    send(event.dataTransfer.files);
  });
  document.addEventListener("paste", function (event) {
    var items = event.clipboardData ? event.clipboardData.files : null;
    if (!items || !items.length) return;
    var images = Array.prototype.filter.call(items, function (f) { return f.type.indexOf("image/") === 0; });
    if (!images.length) return;
    event.preventDefault();
    send(images);
  });
})();
