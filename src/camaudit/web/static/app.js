// camaudit: the only script. Elements with data-poll="URL" re-fetch their content from URL
// every data-every milliseconds (default 1000) until the fetched fragment no longer carries
// data-poll itself (the job has ended). Pages work without it: the job page has a link to reload.
(function () {
  "use strict";
  function poll(el) {
    var url = el.getAttribute("data-poll");
    var every = parseInt(el.getAttribute("data-every") || "1000", 10);
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var box = document.createElement("div");
          box.innerHTML = html;
          var next = box.firstElementChild;
          if (!next) { return; }
          el.replaceWith(next);
          if (next.hasAttribute("data-poll")) { poll(next); }
        })
        .catch(function () { poll(el); });
    }, every);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(poll);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
  });
})();
