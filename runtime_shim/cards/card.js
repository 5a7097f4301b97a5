// Filter the artifact list by name; the card works without this script too.
(function () {
  "use strict";
  var input = document.getElementById("artifact-filter");
  if (!input) { return; }
  var items = document.querySelectorAll(".artifact[data-artifact]");
  var count = document.getElementById("artifact-count");
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLowerCase();
    var shown = 0;
    for (var i = 0; i < items.length; i++) {
      var match = items[i].getAttribute("data-artifact").toLowerCase().indexOf(needle) !== -1;
      items[i].classList.toggle("hidden", !match);
      if (match) { shown++; }
    }
    if (count) { count.textContent = shown + " of " + items.length + " shown"; }
  });
})();
