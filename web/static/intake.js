// The intake's error summary: focused when the page opens, so a screen reader reads
// it first; each link moves the focus to its field (a link to an id alone would
// only scroll there). The late-entry warning is focused the same way.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary") || document.getElementById("late-entry");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) {
      return;
    }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    target.scrollIntoView({block: "center"});
    target.focus();
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", link.getAttribute("href"));
    }
  });
}());
