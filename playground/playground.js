// The playground's page script: loads Python (Pyodide) and stepgrad's wheels from this folder,
// asks autodiff.playground (Python) for the results, the DOT and the steps, lays the DOT out with
// viz.js, and replays the steps as the HTML walk-through does. No engine here: every number,
// word and error comes from Python. The state lives in the URL fragment:
//   #expr=tanh(x*w%2Bb)&x=0.5&w=-1.2&b=0.1&method=push&step=3
import { loadPyodide } from "./pyodide/pyodide.mjs";

const $ = (id) => document.getElementById(id);
const RESERVED = ["expr", "method", "step"]; // a variable of one of these names is written v.NAME
const DEFAULT_VALUE = "1.0";
const started = performance.now();
let py = null; // autodiff.playground
let pyodide = null;
let viz = null;
let walk = null; // the steps' data of the graph shown (share.walk_data)
let pos = 0;
let timer = null;

// -- the URL fragment ------------------------------------------------------------------

function readFragment() {
  const state = { expr: null, method: "push", step: 0, values: {} };
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    if (!part) continue;
    const at = part.indexOf("=");
    const key = decodeURIComponent(at < 0 ? part : part.slice(0, at));
    const value = at < 0 ? "" : decodeURIComponent(part.slice(at + 1));
    if (key === "expr") state.expr = value;
    else if (key === "method") state.method = value === "pull" ? "pull" : "push";
    else if (key === "step") state.step = Math.max(0, parseInt(value, 10) || 0);
    else state.values[key.startsWith("v.") ? key.slice(2) : key] = value;
  }
  return state;
}

function fragment() {
  const parts = ["expr=" + encodeURIComponent($("expr").value)];
  for (const [name, value] of Object.entries(values())) {
    const key = RESERVED.includes(name) || name.startsWith("v.") ? "v." + name : name;
    parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
  }
  parts.push("method=" + $("method").value, "step=" + pos);
  return "#" + parts.join("&");
}

function writeFragment() {
  history.replaceState(null, "", fragment());
  $("link").textContent = location.href;
}

// -- talking to Python -------------------------------------------------------------------

function values() {
  const out = {};
  for (const input of $("vars").querySelectorAll("input")) out[input.dataset.name] = input.value.trim();
  return out;
}

function call(name, ...args) {
  // a Python function of autodiff.playground; its JSON answer, or {error} for anything unforeseen
  const proxies = args.map((a) => (typeof a === "object" ? pyodide.toPy(a) : a));
  try {
    return JSON.parse(py[name](...proxies));
  } catch (e) {
    const lines = String(e.message || e).trim().split("\n");
    return { error: "internal error: " + lines[lines.length - 1] };
  } finally {
    for (const p of proxies) if (p && p.destroy) p.destroy();
  }
}

function showVariables(names, given) {
  // the same variables as shown: keep their fields (and the focus) as they are
  const shown = Object.keys(values());
  if (!given && shown.length === names.length && shown.every((n, i) => n === names[i])) return;
  const held = Object.assign({}, values(), given || {});
  const box = $("vars");
  box.replaceChildren();
  for (const name of names) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "text";
    input.dataset.name = name;
    input.value = name in held ? held[name] : DEFAULT_VALUE;
    input.spellcheck = false;
    input.addEventListener("change", () => compute(0));
    label.append(name + " = ", input);
    box.append(label);
  }
}

function showError(message) {
  // one line, as the command line prints it; nothing of the last expression is left on screen
  $("error").textContent = message;
  for (const id of ["results", "table", "counter", "context", "explain", "hint", "graph", "legend", "why"]) {
    $(id).replaceChildren();
  }
  walk = null;
  pos = 0;
  learn.forget();
  learn.show(); // no graph: the quiz hidden, no sum shown
}

function compute(step, given) {
  stop();
  const expr = $("expr").value;
  const found = call("variables", expr);
  if (found.error) {
    showError(found.error);
    writeFragment();
    return false;
  }
  showVariables(found.names, given);
  const r = call("grad", expr, values(), $("method").value);
  if (r.error) {
    showError(r.error);
    writeFragment();
    return false;
  }
  $("error").textContent = "";
  $("results").textContent = r.lines.join("\n");
  $("table").textContent = "";
  document.documentElement.style.setProperty("--hl", r.highlight);
  $("graph").replaceChildren(viz.renderSVGElement(r.dot));
  $("legend").innerHTML = r.legend; // made by Python from escaped text
  walk = r.walk;
  learn.forget();
  pos = 0;
  go(step);
  return true;
}

function gradcheck() {
  const r = call("check", $("expr").value, values(), $("method").value);
  if (r.error) {
    $("error").textContent = r.error;
    return;
  }
  $("error").textContent = "";
  const head = r.passed ? "gradcheck: passed" : "gradcheck: FAILED (see the rows marked FAIL)";
  $("table").textContent = [head, r.table, ...r.warnings].join("\n");
}

// -- replaying the steps (with the HTML walk-through's showStep) ----------------------------------

// the quiz and a clicked node's sum: the HTML walk-through's own (autodiff.share.LEARN, in walkthrough.js)
const learn = learning(() => walk, () => pos, go);

function show() {
  showStep(walk, pos); // the HTML walk-through's own (autodiff.share.SHOW_STEP, in walkthrough.js)
  learn.show();
}

function go(p) {
  if (!walk) return;
  pos = Math.max(0, Math.min(walk.steps.length, p));
  show();
  writeFragment();
}

function stop() {
  if (timer) clearInterval(timer);
  timer = null;
  $("play").textContent = "Play";
}

function play() {
  if (timer) return stop();
  if (!walk) return;
  if (pos === walk.steps.length) go(0);
  $("play").textContent = "Pause";
  timer = setInterval(() => (pos >= walk.steps.length ? stop() : go(pos + 1)), 900);
}

function wire() {
  $("next").addEventListener("click", () => { stop(); go(pos + 1); });
  $("prev").addEventListener("click", () => { stop(); go(pos - 1); });
  $("reset").addEventListener("click", () => { stop(); learn.forget(); go(0); });
  $("play").addEventListener("click", play);
  learn.wire(stop);
  $("compute").addEventListener("click", () => compute(0));
  $("expr").addEventListener("keydown", (e) => { if (e.key === "Enter") compute(0); });
  $("method").addEventListener("change", () => compute(0));
  $("gradcheck").addEventListener("click", gradcheck);
  $("copy").addEventListener("click", async () => {
    writeFragment();
    try {
      await navigator.clipboard.writeText(location.href);
      $("copy").textContent = "link copied";
    } catch (e) {
      $("copy").textContent = "copy the link shown";
    }
  });
  document.addEventListener("keydown", (e) => {
    const tag = e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || (tag === "BUTTON" && e.key === " ")) return;
    if (e.key === "ArrowRight") { stop(); go(pos + 1); }
    else if (e.key === "ArrowLeft") { stop(); go(pos - 1); }
    else if (e.key === "Home") { stop(); go(0); }
    else if (e.key === " ") { e.preventDefault(); play(); }
  });
  window.addEventListener("hashchange", () => {
    if (location.hash !== fragment()) openFragment();
  });
}

function openFragment() {
  const state = readFragment();
  if (state.expr !== null) $("expr").value = state.expr;
  $("method").value = state.method;
  $("vars").replaceChildren();
  compute(state.step, state.values);
}

const timings = [];
function mark(what) {
  // how long each part of the start took, for the tests and the curious (data-timings)
  timings.push(what + " " + Math.round(performance.now() - started));
  document.body.dataset.timings = timings.join(", ");
}

// -- start -------------------------------------------------------------------------------

async function start() {
  const here = new URL(".", location.href).href;
  // the wheels and Graphviz load while Python starts
  const wheels = fetch("wheels/wheels.json")
    .then((r) => r.json())
    .then((names) => Promise.all(names.map((n) => fetch("wheels/" + n).then((r) => r.arrayBuffer()))));
  const graphviz = Viz.instance();
  pyodide = await loadPyodide({ indexURL: here + "pyodide/" });
  mark("python");
  window.pyodide = pyodide; // for the browser's console (and the tests)
  for (const bytes of await wheels) pyodide.unpackArchive(bytes, "wheel");
  mark("wheels");
  py = pyodide.pyimport("autodiff.playground");
  mark("import");
  viz = await graphviz;
  mark("viz");
  wire();
  openFragment();
  mark("first");
  const ms = Math.round(performance.now() - started);
  $("status").textContent = `Python ready in ${(ms / 1000).toFixed(1)} s: type an expression, then Compute or Enter.`;
  document.body.dataset.loadMs = String(ms);
  document.body.dataset.state = "ready";
}

start().catch((e) => {
  const lines = String(e.message || e).trim().split("\n");
  $("status").textContent = "could not start Python: " + lines[lines.length - 1];
  document.body.dataset.state = "failed";
});
