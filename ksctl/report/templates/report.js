(function () {
  "use strict";
  // Each table.paged shows one page of its rows; a search box and a filter narrow them and
  // a click on a header with data-sort sorts them. Rows are rendered on the server, so the
  // page reads the same with this script off (every row is shown then).
  function key(row, index) {
    var cell = row.cells[index];
    var value = cell.getAttribute("data-key");
    return value === null ? cell.textContent.trim().toLowerCase() : value;
  }
  function setup(box) {
    var body = box.querySelector("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var size = parseInt(box.getAttribute("data-page-size"), 10) || 50;
    var search = box.querySelector("input.search");
    var filter = box.querySelector("select.filter");
    var info = box.querySelector(".info");
    var prev = box.querySelector("button.prev");
    var next = box.querySelector("button.next");
    var page = 0, timer = null;
    // Read once: 10,000 rows are filtered on every keystroke.
    rows.forEach(function (r) {
      r.ksSearch = r.getAttribute("data-search") || "";
      r.ksFilter = r.getAttribute("data-filter") || "";
    });
    function show() {
      var q = search ? search.value.trim().toLowerCase() : "";
      var f = filter ? filter.value : "";
      var shown = rows.filter(function (r) {
        return (!f || r.ksFilter === f) && (!q || r.ksSearch.indexOf(q) !== -1);
      });
      var pages = Math.max(1, Math.ceil(shown.length / size));
      if (page > pages - 1) { page = pages - 1; }
      var lo = page * size, hi = lo + size;
      var visible = new Set(shown.slice(lo, hi));
      rows.forEach(function (r) {
        var hide = !visible.has(r);
        if (r.hidden !== hide) { r.hidden = hide; }  // touch only the rows that change
      });
      info.textContent = shown.length === 0 ? "nothing matches" :
        "showing " + (lo + 1) + "\u2013" + Math.min(hi, shown.length) + " of " + shown.length +
        (shown.length === rows.length ? "" : " (" + rows.length + " in all)") +
        ", page " + (page + 1) + " of " + pages;
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    function restart() { page = 0; show(); }
    if (search) {
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(restart, 150);  // once typing pauses, not per key
      });
    }
    if (filter) { filter.addEventListener("change", restart); }
    prev.addEventListener("click", function () { page -= 1; show(); });
    next.addEventListener("click", function () { page += 1; show(); });
    box.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () {
        var index = th.cellIndex, down = th.getAttribute("aria-sort") === "ascending";
        rows.sort(function (a, b) {
          var x = key(a, index), y = key(b, index);
          return (x < y ? -1 : x > y ? 1 : 0) * (down ? -1 : 1);
        });
        box.querySelectorAll("th[data-sort]").forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", down ? "descending" : "ascending");
        rows.forEach(function (r) { body.appendChild(r); });
        restart();
      });
    });
    box.querySelector(".controls").hidden = false;
    show();
    return { filter: filter, restart: restart };
  }
  var boxes = {};
  document.querySelectorAll(".paged").forEach(function (box) { boxes[box.id] = setup(box); });
  // The tallies at a glance filter the accounts table by their state.
  var accounts = boxes["accounts-table"];
  document.querySelectorAll("button.tally").forEach(function (button) {
    button.addEventListener("click", function () {
      var state = button.getAttribute("data-state");
      var same = accounts.filter.value === state;
      accounts.filter.value = same ? "" : state;
      document.querySelectorAll("button.tally").forEach(function (b) {
        b.setAttribute("aria-pressed", String(!same && b === button));
      });
      accounts.restart();
      document.getElementById("accounts").scrollIntoView();
    });
  });
})();
