/* The published embed widget's pure core (webapp/static/embed.js): the limit, the commune rule, the list, the
 * links and the help page's code, as webapp/embed.py computes them on the server.
 *   node --test tests/js/
 * tests/test_embed_static.py compares the whole answer with the server's on the demo catalogue. */
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const C = require(path.join(__dirname, "..", "..", "webapp", "static", "catalogue.js"));
const E = require(path.join(__dirname, "..", "..", "webapp", "static", "embed.js"));

const NAMES = ["commune", "min_duration", "max_duration", "difficulty", "theme", "q", "limit", "lang"];
const LIMIT_MSG = "{name} must be a whole number from {low} to {high}, not {value!r}";

// A compact index (webapp/publish_catalogue.py catalogue_index) of five circuits:
// [id, name, shown, commune, duration_min, length_m, ascent_m, difficulty, practice, route, themes, access, lon, lat,
//  text, rank]
const ROWS = [
  [1, "Le moulin", null, "Saint-Jean-du-Gard", 90, 2250, 120, 0, 0, 0, [0], [], 3.88, 44.1, null, 1],
  [2, "Sentier de Jean", null, "Saint-Martin-de-Lansuscle", 150, 5100, 0, 1, 0, 0, [], [], 3.8, 44.2, null, 3],
  [3, "Autour d'Alès", null, "Alès, Saint-Jean-du-Gard", 45, 3750, 158.5, 0, 0, 0, [0], [], 4.08, 44.12, null, 0],
  [4, "Les gorges", null, "Florac", 240, 9000, 400, 1, 0, 0, [], [], 3.59, 44.32, null, 2],
  [5, "Saint-Étienne", null, "Saint-Étienne-Vallée-Française", 60, 4000, 200, 0, 0, 0, [0], [], 3.83, 44.17, null, 4],
];
const WORDS = ["le moulin saint jean du gard", "sentier de jean saint martin lansuscle",
  "autour d ales saint jean du gard", "les gorges florac", "saint etienne vallee francaise"];

function index() {
  return {
    v: 1, lang: "fr", page_size: 20,
    codes: {difficulty: ["easy", "medium"], practice: ["walking"], route_type: ["loop"], accessibility: [],
      theme: ["Forêt"]},
    vocabulary: {difficulty: ["easy", "medium"], practice: ["walking"], route_type: ["loop"], accessibility: []},
    labels: {easy: "facile", medium: "moyen", "Forêt": "Forêt"},
    aliases: {difficulty: {easy: "easy", medium: "medium", facile: "easy", moyen: "medium"},
      practice: {walking: "walking"}, route_type: {loop: "loop"}, accessibility: {}},
    buckets: [["<1h", 0, 60], ["1-2h", 60, 120], [">2h", 120, null]], towns: {},
    // the filters' sentences (search describes them; the widget does not show them): their names will do
    msg: new Proxy({unknown_code: 'unknown {what} "{value}": choose among {choices}', what_difficulty: "difficulty"},
      {get: (messages, name) => (name in messages ? messages[name] : String(name))}),
    trails: ROWS.map((r) => r.slice()), words: WORDS,
  };
}

const names = (found) => found.rows.map((t) => t[C.T.name]);

test("limit: 10 by default, a whole number from 1 to 50, else the server's message", () => {
  assert.equal(E.parseLimit("", LIMIT_MSG), 10);
  assert.equal(E.parseLimit("limit=", LIMIT_MSG), 10);
  assert.equal(E.parseLimit("limit=%20", LIMIT_MSG), 10);
  assert.equal(E.parseLimit("limit=5", LIMIT_MSG), 5);
  assert.equal(E.parseLimit("limit=%207%20", LIMIT_MSG), 7);
  assert.equal(E.parseLimit("limit=50", LIMIT_MSG), 50);
  assert.equal(E.parseLimit("limit=1&limit=40", LIMIT_MSG), 1);  // the first one, as request.args.get
  for (const bad of ["0", "51", "abc", "+5", "5.0", "-3", "1e1", "²"]) {
    assert.throws(() => E.parseLimit("limit=" + encodeURIComponent(bad), LIMIT_MSG),
      (e) => e instanceof C.FilterError && e.message === `limit must be a whole number from 1 to 50, not '${bad}'`, bad);
  }
  assert.throws(() => E.parseLimit("limit=" + "9".repeat(60), LIMIT_MSG), /not '9{40}…'$/);
});

test("the commune rule: every word of the commune is a word of the trail's communes, accents and case aside", () => {
  const wanted = C.words("Saint-Jean");
  assert.deepEqual(wanted, ["saint", "jean"]);
  assert.ok(E.inCommune(wanted, "Saint-Jean-du-Gard"));
  assert.ok(E.inCommune(wanted, "Alès, SAINT-JEAN-du-Gard"));
  assert.ok(!E.inCommune(wanted, "Saint-Martin-de-Lansuscle"));
  assert.ok(!E.inCommune(wanted, ""));
  assert.ok(E.inCommune(C.words("saint etienne"), "Saint-Étienne-Vallée-Française"));
  assert.ok(!E.inCommune(C.words("Saint-Jeannet"), "Saint-Jean-du-Gard"));  // whole words, not prefixes
  assert.ok(E.inCommune([], "Florac"));  // no word: every trail
});

test("the commune's words go to the text search, then only the trails in the commune stay", () => {
  const q = E.searchQuery(NAMES, "commune=%20Saint-Jean%20&q=moulin&theme=&limit=3&lang=fr");
  assert.equal(q.commune, "Saint-Jean");
  assert.equal(q.params.toString(), "q=moulin+Saint-Jean");
  assert.deepEqual(q.chosen, [["commune", ["Saint-Jean"]], ["q", ["moulin"]], ["limit", ["3"]], ["lang", ["fr"]]]);
  assert.ok(E.needsWords(NAMES, "commune=Florac"));
  assert.ok(!E.needsWords(NAMES, "difficulty=easy&limit=2"));
  // "Sentier de Jean" (Saint-Martin) has both words but not in its commune: left out; the order is by name
  let found = E.findTrails(index(), NAMES, "commune=saint-jean", LIMIT_MSG);
  assert.deepEqual(names(found), ["Autour d'Alès", "Le moulin"]);
  assert.equal(found.total, 2);
  found = E.findTrails(index(), NAMES, "commune=Saint-Jean&limit=1", LIMIT_MSG);
  assert.deepEqual(names(found), ["Autour d'Alès"]);
  assert.equal(found.total, 2);  // "See all 2 trails"
  found = E.findTrails(index(), NAMES, "commune=Saint-Jean&commune=du-Gard&max_duration=1h", LIMIT_MSG);
  assert.deepEqual(names(found), ["Autour d'Alès"]);
  found = E.findTrails(index(), NAMES, "commune=Nowhere", LIMIT_MSG);
  assert.deepEqual([found.rows, found.total], [[], 0]);
});

test("without a commune: the catalogue's filters, the limit, the total", () => {
  let found = E.findTrails(index(), NAMES, "", LIMIT_MSG);
  assert.deepEqual(names(found), ["Autour d'Alès", "Le moulin", "Les gorges", "Sentier de Jean", "Saint-Étienne"]);
  found = E.findTrails(index(), NAMES, "difficulty=moyen&limit=1", LIMIT_MSG);
  assert.deepEqual([names(found), found.total], [["Les gorges"], 2]);
  found = E.findTrails(index(), NAMES, "theme=For%C3%AAt&min_duration=1h", LIMIT_MSG);
  assert.deepEqual(names(found), ["Le moulin", "Saint-Étienne"]);
  assert.throws(() => E.findTrails(index(), NAMES, "difficulty=impossible", LIMIT_MSG), C.FilterError);
  assert.throws(() => E.findTrails(index(), NAMES, "limit=0&difficulty=easy", LIMIT_MSG), /limit must be/);
});

test("figures, credits and links as the server's template writes them", () => {
  const idx = index(), msg = {d_plus: "D+"};
  assert.equal(E.figures(idx, idx.trails[0], msg), "2,2 km · 1 h 30 · facile · D+ 120 m");  // 2.25: Python's even
  assert.equal(E.figures(idx, idx.trails[2], msg), "3,8 km · 45 min · facile · D+ 158 m");
  assert.equal(E.figures(idx, idx.trails[1], msg), "5,1 km · 2 h 30 · moyen");  // no ascent: no D+
  assert.equal(C.formatKm("en", 2350), "2.4 km");
  const credits = [["PNC", [[1, 2], [5, 5]]], ["OSM", [[3, 4]]]];
  assert.deepEqual(E.creditsOf([idx.trails[2], idx.trails[0], idx.trails[1]], credits), ["OSM", "PNC"]);
  assert.deepEqual(E.creditsOf([], credits), []);
  assert.equal(E.urlencode([["q", "Saint-Jean du Gard"], ["theme", "Eau & géologie"], ["x", "a~b*c!'()"]]),
    "q=Saint-Jean+du+Gard&theme=Eau+%26+g%C3%A9ologie&x=a~b%2Ac%21%27%28%29");  // Python's urlencode
  assert.equal(E.moreQuery(E.searchQuery(NAMES, "commune=Florac&q=x&difficulty=easy&limit=3").chosen),
    "q=Florac&difficulty=easy");
  assert.equal(E.moreQuery(E.searchQuery(NAMES, "q=moulin&lang=en&limit=3").chosen), "q=moulin");
});

test("the help page's code: the widget's address with the chosen filters, the commune in the title", () => {
  const ready = '<iframe src="https://x.example/balades/embed/" title="Circuits de randonnée" loading="lazy" ' +
    'style="width:100%"></iframe>\n<script>if(e.origin!=="https://x.example")return;</script>';
  const msg = {title: "Circuits de randonnée", title_place: "Circuits de randonnée : {place}"};
  const chosen = E.widgetParams(NAMES, "commune=Saint-Jean&difficulty=easy&limit=5&lang=fr")
    .filter(([k]) => k !== "lang");
  const code = E.snippet(ready, "https://x.example/balades/embed/", chosen, msg);
  assert.equal(code, '<iframe src="https://x.example/balades/embed/?commune=Saint-Jean&amp;difficulty=easy&amp;' +
    'limit=5" title="Circuits de randonnée : Saint-Jean" loading="lazy" style="width:100%"></iframe>\n' +
    '<script>if(e.origin!=="https://x.example")return;</script>');
  assert.equal(E.snippet(ready, "https://x.example/balades/embed/", [], msg), ready);
  assert.equal(E.escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;");
});
