// Shows the team's answers that match a new request's title as it is typed. Without this
// script the form still works: "Check for answers", or the first submit, shows them instead.
(function () {
  "use strict";
  var form = document.getElementById("new-request");
  if (!form || !window.fetch) {
    return;
  }
  var title = form.querySelector("#title");
  var box = document.getElementById("suggestions");
  var list = box.querySelector("ol");
  var none = box.querySelector("[data-none]");
  var checked = form.querySelector("input[name=checked]");
  var timer = null;
  var asked = title.value.trim();
  var latest = 0;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function show(answers) {
    list.replaceChildren();
    answers.forEach(function (answer) {
      var item = element("li");
      var heading = element("p");
      var link = element("a", "", answer.title);
      link.href = answer.url;
      link.target = "_blank";
      link.rel = "noopener";
      heading.append(link);
      if (answer.good) {
        heading.append(" ", element("span", "badge good-answer", "Good answer"));
      }
      if (answer.helped > 0) {
        heading.append(" ", element("small", "muted", "helped " + answer.helped + (answer.helped === 1 ? " person" : " people")));
      }
      heading.append(" ", element("small", "muted", answer.category));
      var solved = element("button", "small secondary", "This solved it");
      solved.type = "submit";
      solved.setAttribute("formaction", answer.url + "/solved");
      item.append(heading, element("blockquote", "prose", answer.resolution), solved);
      list.append(item);
    });
    none.hidden = answers.length > 0;
    box.hidden = answers.length === 0;
  }

  function lookUp() {
    var text = title.value.trim();
    if (text === asked) {
      return;
    }
    asked = text;
    var mine = ++latest;
    if (text.length < 3) {
      box.hidden = true;
      return;
    }
    fetch("/answers/suggest?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data || mine !== latest) {
          return;
        }
        show(data.answers);
        // The person has seen the answers for this title: filing needs no check step.
        checked.value = "1";
      })
      .catch(function () {
        // Offline or signed out: the check step on submit still shows the answers.
      });
  }

  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 250);
  });
})();
