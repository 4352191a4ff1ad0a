// The neuron lab: o = f(w·x + b) with its derivative, sensitive/saturated ranges and scored inputs.

import { coalesce, fetchActivations, postJSON } from "./api.js";
import { formatNumber, t } from "./i18n.js";
import { COLORS, axis, draw, fitRange, grid, layout } from "./plots.js";
import { compact, queryFlag, queryJSON, queryNumber, readQuery, writeState } from "./state.js";
import { bindSlider, clearError, element, setupCopyLink, showError, sliderField } from "./ui.js";

/**
 * @typedef {{x: number[], z: number[], y: number[], dy_dz: number[], dy_dx: number[],
 *   ranges: {sensitive: number[][], saturated: number[][], threshold: number, definition: string}}} NeuronAnswer
 * @typedef {{name: string, x: number}} LabelledPoint
 */

const SAMPLES = 401;
const DEFAULTS = { activation: "tanh", w: 1, b: 0, xMin: -4, xMax: 4 };
const defaultPoints = () => [
  { name: t("neuron.truck"), x: -2.2 },
  { name: t("neuron.bear"), x: 0.1 },
  { name: t("neuron.dog"), x: 2.5 },
];
// Slider ends for the activations' own parameters (torch.nn names); others get a span around the default.
const PARAM_SLIDERS = {
  negative_slope: [0, 1, 0.01],
  min_val: [-3, 0, 0.05],
  max_val: [0, 3, 0.05],
  beta: [0.1, 5, 0.1],
  threshold: [1, 30, 0.5],
  alpha: [0, 3, 0.05],
};
const PARAM_CHOICES = { approximate: ["none", "tanh"] };

const plotElement = document.getElementById("neuron-plot");
const activationSelect = /** @type {HTMLSelectElement} */ (document.getElementById("activation"));
const paramBox = document.getElementById("activation-params");
const pointsBody = document.getElementById("points-body");
const xMinInput = /** @type {HTMLInputElement} */ (document.getElementById("x-min"));
const xMaxInput = /** @type {HTMLInputElement} */ (document.getElementById("x-max"));
const toggles = {
  derivative: /** @type {HTMLInputElement} */ (document.getElementById("show-derivative")),
  linear: /** @type {HTMLInputElement} */ (document.getElementById("show-linear")),
  ranges: /** @type {HTMLInputElement} */ (document.getElementById("show-ranges")),
};

const state = {
  activation: DEFAULTS.activation,
  /** @type {Object<string, number|string>} */
  params: {},
  w: DEFAULTS.w,
  b: DEFAULTS.b,
  xMin: DEFAULTS.xMin,
  xMax: DEFAULTS.xMax,
  /** @type {LabelledPoint[]} */
  points: defaultPoints(),
};
/** @type {Object<string, import("./api.js").ActivationInfo>} */
let catalogue = {};
/** @type {{curve: NeuronAnswer, scores: NeuronAnswer | null} | null} */
let latest = null;

function loadState() {
  const query = readQuery();
  state.activation = query.get("act") || DEFAULTS.activation;
  state.w = queryNumber(query, "w", DEFAULTS.w);
  state.b = queryNumber(query, "b", DEFAULTS.b);
  state.xMin = queryNumber(query, "xmin", DEFAULTS.xMin);
  state.xMax = queryNumber(query, "xmax", DEFAULTS.xMax);
  toggles.derivative.checked = queryFlag(query, "deriv", true);
  toggles.linear.checked = queryFlag(query, "lin", false);
  toggles.ranges.checked = queryFlag(query, "ranges", true);
  for (const [key, value] of query.entries()) {
    if (key.startsWith("p.")) {
      const number = Number(value);
      state.params[key.slice(2)] = value.trim() !== "" && Number.isFinite(number) ? number : value;
    }
  }
  const points = queryJSON(query, "pts", null);
  if (Array.isArray(points)) {
    state.points = points
      .filter((item) => Array.isArray(item) && Number.isFinite(Number(item[1])))
      .map(([name, x]) => ({ name: String(name).slice(0, 40), x: Number(x) }));
  }
}

function saveState() {
  const points = state.points.map((point) => [point.name, Number(compact(point.x))]);
  const isDefault = JSON.stringify(points) === JSON.stringify(defaultPoints().map((p) => [p.name, p.x]));
  /** @type {Object<string, string|number|boolean|null>} */
  const entries = {
    act: state.activation === DEFAULTS.activation ? null : state.activation,
    w: compact(state.w),
    b: compact(state.b),
    xmin: state.xMin === DEFAULTS.xMin ? null : compact(state.xMin),
    xmax: state.xMax === DEFAULTS.xMax ? null : compact(state.xMax),
    deriv: toggles.derivative.checked ? null : false,
    lin: toggles.linear.checked ? true : null,
    ranges: toggles.ranges.checked ? null : false,
    pts: isDefault ? null : JSON.stringify(points),
  };
  for (const [name, value] of Object.entries(state.params)) {
    entries[`p.${name}`] = typeof value === "number" ? compact(value) : value;
  }
  writeState(entries);
}

/** The chosen activation's parameters, defaults merged in (the API does the same). */
function activeParams() {
  const info = catalogue[state.activation];
  const params = {};
  if (!info) return params;
  for (const name of Object.keys(info.params)) {
    if (name in state.params) params[name] = state.params[name];
  }
  return params;
}

function sampleX() {
  return grid(state.xMin, state.xMax, SAMPLES);
}

const compute = coalesce(async (request) => {
  const body = { activation: request.activation, params: request.params, w: request.w, b: request.b };
  const [curve, scores] = await Promise.all([
    postJSON("/api/neuron", { ...body, x: request.x }),
    request.pointsX.length ? postJSON("/api/neuron", { ...body, x: request.pointsX }) : null,
  ]);
  latest = { curve, scores };
  clearError();
  await render();
}, showError);

function recompute() {
  if (!(state.xMax > state.xMin)) {
    showError(new Error(t("neuron.bad_range")));
    return;
  }
  compute({
    activation: state.activation,
    params: activeParams(),
    w: state.w,
    b: state.b,
    x: sampleX(),
    pointsX: state.points.map((point) => point.x),
  });
  updateEquation();
  saveState();
}

function updateEquation() {
  const info = catalogue[state.activation];
  const name = info ? info.name : state.activation;
  const sign = state.b < 0 ? "−" : "+";
  document.getElementById("neuron-equation").textContent =
    `o = ${name}(${formatNumber(state.w)}·x ${sign} ${formatNumber(Math.abs(state.b))})`;
}

function insideAny(intervals, x) {
  return intervals.some(([low, high]) => x >= low - 1e-9 && x <= high + 1e-9);
}

function zoneOf(ranges, x) {
  if (insideAny(ranges.sensitive, x)) return "sensitive";
  if (insideAny(ranges.saturated, x)) return "saturated";
  return "between";
}

function rangeShapes(ranges) {
  const shapes = [];
  const add = (intervals, fill, key) => {
    intervals.forEach(([low, high], index) => {
      shapes.push({
        type: "rect", xref: "x", yref: "paper", x0: low, x1: high, y0: 0, y1: 1,
        fillcolor: fill, line: { width: 0 }, layer: "below",
        name: t(key), legendgroup: key, showlegend: index === 0, legendrank: 5,
      });
    });
  };
  add(ranges.sensitive, COLORS.sensitive, "neuron.legend_sensitive");
  add(ranges.saturated, COLORS.saturated, "neuron.legend_saturated");
  return shapes;
}

async function render() {
  if (!latest) return;
  const { curve, scores } = latest;
  const traces = [];
  if (toggles.linear.checked) {
    traces.push({
      x: curve.x, y: curve.z, name: t("neuron.legend_linear"), mode: "lines", legendrank: 3,
      line: { color: COLORS.linear, width: 1.5, dash: "dot" },
      hovertemplate: "x = %{x:.3f}<br>w·x + b = %{y:.4f}<extra></extra>",
    });
  }
  if (toggles.derivative.checked) {
    traces.push({
      x: curve.x, y: curve.dy_dz, name: t("neuron.legend_derivative"), mode: "lines", legendrank: 2,
      line: { color: COLORS.derivative, width: 2, dash: "dash" },
      hovertemplate: "x = %{x:.3f}<br>f′ = %{y:.4f}<extra></extra>",
    });
  }
  traces.push({
    x: curve.x, y: curve.y, name: t("neuron.legend_output"), mode: "lines", legendrank: 1,
    line: { color: COLORS.curve, width: 3 },
    hovertemplate: "x = %{x:.3f}<br>o = %{y:.5f}<extra></extra>",
  });
  if (scores && scores.y.length === state.points.length) {
    traces.push({
      x: scores.x, y: scores.y, name: t("neuron.legend_points"), mode: "markers+text", legendrank: 4,
      text: state.points.map((point) => point.name),
      customdata: scores.y.map((value) => formatNumber(value, 5)),
      textposition: scores.dy_dx.map((slope) => (slope >= 0 ? "bottom right" : "top right")),
      textfont: { color: COLORS.points, size: 12 },
      marker: { color: COLORS.points, size: 10, line: { color: "#fff", width: 2 } },
      hovertemplate: "%{text}<br>x = %{x:.3f}<br>o = %{customdata}<extra></extra>",
      cliponaxis: false,
    });
  }
  const shown = [curve.y];
  if (toggles.derivative.checked) shown.push(curve.dy_dz);
  const plotLayout = layout({
    margin: { l: 48, r: 16, t: 36, b: 44 },
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 12 }, bgcolor: "rgba(0,0,0,0)" },
    hovermode: "closest",
    xaxis: axis({ range: [state.xMin, state.xMax], title: { text: t("neuron.axis_x") } }),
    yaxis: axis({ range: fitRange(shown, { floor: -0.05, ceiling: 0.05 }), title: { text: t("neuron.axis_y") } }),
    shapes: toggles.ranges.checked ? rangeShapes(curve.ranges) : [],
  });
  await draw(plotElement, traces, plotLayout);
  updatePointsTable();
  document.getElementById("range-definition").textContent = t("neuron.range_definition", {
    threshold: formatNumber(curve.ranges.threshold, 3),
  });
}

// ---- labelled points ---------------------------------------------------------------------

function buildPointsTable() {
  pointsBody.replaceChildren();
  state.points.forEach((point, index) => {
    const nameInput = element("input", {
      type: "text", class: "text", value: point.name, maxlength: 40,
      "aria-label": `${t("neuron.point_name")} ${index + 1}`,
    });
    nameInput.addEventListener("input", () => {
      point.name = nameInput.value;
      saveState();
      render();
    });
    const xInput = element("input", {
      type: "number", class: "number", step: 0.1, value: point.x, "aria-label": `x ${index + 1}`,
    });
    xInput.addEventListener("input", () => {
      const value = Number(xInput.value);
      if (xInput.value.trim() === "" || !Number.isFinite(value)) return;
      point.x = value;
      recompute();
    });
    const remove = element("button", {
      type: "button", class: "icon-button", "aria-label": `${t("common.remove")} ${point.name}`, title: t("common.remove"),
    }, ["×"]);
    remove.addEventListener("click", () => {
      state.points.splice(index, 1);
      buildPointsTable();
      recompute();
    });
    pointsBody.append(element("tr", { "data-point": index }, [
      element("td", {}, [nameInput]),
      element("td", {}, [xInput]),
      element("td", { class: "num", "data-z": "" }, ["…"]),
      element("td", { class: "num score", "data-score": "" }, ["…"]),
      element("td", { "data-zone": "" }, []),
      element("td", {}, [remove]),
    ]));
  });
}

function updatePointsTable() {
  if (!latest || !latest.scores) return;
  const { scores, curve } = latest;
  pointsBody.querySelectorAll("tr").forEach((row, index) => {
    if (index >= scores.y.length) return;
    const scoreCell = row.querySelector("[data-score]");
    scoreCell.textContent = formatNumber(scores.y[index], 5);
    scoreCell.dataset.score = String(scores.y[index]);
    row.querySelector("[data-z]").textContent = formatNumber(scores.z[index], 3);
    const zone = zoneOf(curve.ranges, scores.x[index]);
    const badge = element("span", { class: `badge badge-${zone}` }, [t(`neuron.zone_${zone}`)]);
    row.querySelector("[data-zone]").replaceChildren(badge);
  });
}

document.getElementById("add-point").addEventListener("click", () => {
  const last = state.points.length ? state.points[state.points.length - 1].x : 0;
  const x = Math.min(state.xMax, Number((last + 1).toFixed(2)));
  state.points.push({ name: `${t("neuron.new_point")} ${state.points.length + 1}`, x });
  buildPointsTable();
  recompute();
  const inputs = pointsBody.querySelectorAll("input[type=text]");
  if (inputs.length) inputs[inputs.length - 1].focus();
});

// ---- activation and its parameters --------------------------------------------------------

function buildParamControls() {
  paramBox.replaceChildren();
  const info = catalogue[state.activation];
  document.getElementById("activation-formula").textContent = info ? info.formula : "";
  if (!info) return;
  const names = Object.keys(info.params);
  if (!names.length) return;
  paramBox.append(element("p", { class: "param-title" }, [`${t("neuron.params")} ${info.torch_name}`]));
  for (const name of names) {
    const fallback = info.params[name];
    const current = name in state.params ? state.params[name] : fallback;
    if (typeof fallback === "string") {
      const id = `param-${name}`;
      const select = element("select", { id, class: "select" });
      for (const choice of PARAM_CHOICES[name] || [fallback]) {
        select.append(element("option", { value: choice, selected: choice === current }, [choice]));
      }
      select.addEventListener("change", () => {
        state.params[name] = select.value;
        recompute();
      });
      paramBox.append(element("div", { class: "field" }, [element("label", { for: id }, [name]), select]));
      continue;
    }
    const [min, max, step] = PARAM_SLIDERS[name] || [Math.min(0, 2 * fallback - 1), Math.max(1, 2 * fallback + 1), 0.01];
    const { field, range, number } = sliderField({
      id: `param-${name}`, label: name, min, max, step, value: current, hint: t("neuron.param_default", { value: fallback }),
    });
    paramBox.append(field);
    range.addEventListener("input", () => {
      number.value = range.value;
      state.params[name] = Number(range.value);
      recompute();
    });
    number.addEventListener("input", () => {
      const value = Number(number.value);
      if (number.value.trim() === "" || !Number.isFinite(value)) return;
      range.value = number.value;
      state.params[name] = value;
      recompute();
    });
  }
}

async function start() {
  loadState();
  setupCopyLink();
  const wSlider = bindSlider("w", (value) => {
    state.w = value;
    recompute();
  });
  const bSlider = bindSlider("b", (value) => {
    state.b = value;
    recompute();
  });
  wSlider.set(state.w);
  bSlider.set(state.b);
  xMinInput.value = String(state.xMin);
  xMaxInput.value = String(state.xMax);
  for (const [input, key] of [[xMinInput, "xMin"], [xMaxInput, "xMax"]]) {
    input.addEventListener("change", () => {
      const value = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(value)) return;
      state[key] = value;
      recompute();
    });
  }
  for (const toggle of Object.values(toggles)) {
    toggle.addEventListener("change", () => {
      saveState();
      render();
    });
  }
  document.getElementById("reset").addEventListener("click", () => {
    Object.assign(state, { ...DEFAULTS, params: {}, points: defaultPoints() });
    wSlider.set(state.w);
    bSlider.set(state.b);
    xMinInput.value = String(state.xMin);
    xMaxInput.value = String(state.xMax);
    activationSelect.value = state.activation;
    toggles.derivative.checked = true;
    toggles.linear.checked = false;
    toggles.ranges.checked = true;
    buildParamControls();
    buildPointsTable();
    recompute();
  });
  buildPointsTable();

  let list;
  try {
    list = await fetchActivations();
  } catch (error) {
    showError(error);
    return;
  }
  catalogue = Object.fromEntries(list.map((info) => [info.name, info]));
  if (!catalogue[state.activation]) state.activation = DEFAULTS.activation;
  for (const info of list) {
    activationSelect.append(element("option", { value: info.name, selected: info.name === state.activation }, [info.torch_name]));
  }
  activationSelect.addEventListener("change", () => {
    state.activation = activationSelect.value;
    state.params = {};
    buildParamControls();
    recompute();
  });
  buildParamControls();
  recompute();
}

start();
