// The compose lab: the chapter's four tanh neurons as nine panels, and a small network builder.

import { coalesce, fetchActivations, postJSON } from "./api.js";
import { formatNumber, t } from "./i18n.js";
import { COLORS, PANEL_CONFIG, axis, draw, grid, layout, redrawValues } from "./plots.js";
import { compact, queryJSON, queryNumber, readQuery, writeState } from "./state.js";
import { bindSlider, bindSliderElements, clearError, element, setupCopyLink, showError } from "./ui.js";

/**
 * @typedef {{in: number, out: number, activation: string, weight: number[][], bias: number[]}} Layer
 * @typedef {{output: number[][], layers: {pre_activation: number[][], activation: number[][]}[]}} ForwardAnswer
 * @typedef {{activation: string, weight: number[][], bias: number[]}} BuilderLayer
 */

const X = grid(-3, 3, 241);
const FIGURE = { a: [-2, -1.25], b: [1, 0.75], c: [4, 1], d: [-3, 1.5] };
const UNIT_COLORS = { a: "#1c7ed6", b: "#0ca678", c: "#f08c00", d: "#ae3ec9" };
const MAX_LAYERS = 6;
const MAX_UNITS = 8;
const THUMB = { width: 100, height: 40 };

/** The four neurons' [weight, bias]; the second layer reuses C's and D's. */
const neurons = structuredClone(FIGURE);
/** @type {BuilderLayer[]} */
let builder = chapterNetwork();
/** @type {{layer: number, kind: "weight"|"bias", row: number, col: number} | null} */
let selected = null;
let activationNames = ["identity", "tanh", "sigmoid", "relu", "leakyrelu", "hardtanh", "softplus"];

function chapterNetwork() {
  return [
    { activation: "tanh", weight: [[FIGURE.a[0]], [FIGURE.b[0]]], bias: [FIGURE.a[1], FIGURE.b[1]] },
    { activation: "tanh", weight: [[FIGURE.c[0], FIGURE.c[0]], [FIGURE.d[0], FIGURE.d[0]]], bias: [FIGURE.c[1], FIGURE.d[1]] },
    { activation: "identity", weight: [[1, 1]], bias: [0] },
  ];
}

/** A network in the API's shape from builder layers. */
function apiNetwork(layers) {
  return {
    layers: layers.map((layer) => ({
      in: layer.weight[0].length, out: layer.weight.length, activation: layer.activation,
      weight: layer.weight, bias: layer.bias,
    })),
  };
}

const tanhLayer = (first, second) => ({
  activation: "tanh", weight: [[first[0]], [second[0]]], bias: [first[1], second[1]],
});
const sumLayer = () => ({ activation: "identity", weight: [[1, 1]], bias: [0] });
const column = (rows, index) => rows.map((row) => row[index]);
const flat = (rows) => rows.map((row) => row[0]);

// ---- state in the URL ----------------------------------------------------------------------

function loadState() {
  const query = readQuery();
  for (const unit of Object.keys(neurons)) {
    neurons[unit] = [queryNumber(query, `w${unit}`, FIGURE[unit][0]), queryNumber(query, `b${unit}`, FIGURE[unit][1])];
  }
  const saved = queryJSON(query, "net", null);
  if (Array.isArray(saved) && validBuilder(saved)) {
    builder = saved.map(([activation, weight, bias]) => ({ activation, weight, bias }));
  }
}

function validBuilder(saved) {
  if (saved.length < 1 || saved.length > MAX_LAYERS) return false;
  let inputs = 1;
  for (const layer of saved) {
    if (!Array.isArray(layer) || layer.length !== 3 || typeof layer[0] !== "string") return false;
    const [, weight, bias] = layer;
    if (!Array.isArray(weight) || !Array.isArray(bias) || weight.length !== bias.length) return false;
    if (weight.length < 1 || weight.length > MAX_UNITS) return false;
    if (!weight.every((row) => Array.isArray(row) && row.length === inputs && row.every(Number.isFinite))) return false;
    if (!bias.every(Number.isFinite)) return false;
    inputs = weight.length;
  }
  return inputs === 1;
}

function saveState() {
  const entries = {};
  for (const [unit, [w, b]] of Object.entries(neurons)) {
    entries[`w${unit}`] = w === FIGURE[unit][0] ? null : compact(w);
    entries[`b${unit}`] = b === FIGURE[unit][1] ? null : compact(b);
  }
  const packed = builder.map((layer) => [
    layer.activation,
    layer.weight.map((row) => row.map((value) => Number(compact(value)))),
    layer.bias.map((value) => Number(compact(value))),
  ]);
  const isDefault = JSON.stringify(packed) === JSON.stringify(chapterNetwork().map((l) => [l.activation, l.weight, l.bias]));
  entries.net = isDefault ? null : JSON.stringify(packed);
  writeState(entries);
}

// ---- the nine panels ------------------------------------------------------------------------

const panels = Object.fromEntries(
  ["a", "b", "ab", "c", "d", "cd", "cab", "dab", "sum"].map((key) => [key, document.getElementById(`panel-${key}`)]),
);

function panelLayout(limit) {
  return layout({
    margin: { l: 30, r: 6, t: 4, b: 22 },
    hovermode: "x",
    xaxis: axis({ range: [-3, 3], fixedrange: true, dtick: 1 }),
    yaxis: axis({ range: [-limit, limit], fixedrange: true, dtick: limit > 1.5 ? 1 : 0.5 }),
  });
}

function line(y, color, name, { width = 2.5, faint = false } = {}) {
  return {
    x: X, y, mode: "lines", name,
    line: { color, width: faint ? 1.2 : width, dash: faint ? "dot" : "solid" },
    opacity: faint ? 0.55 : 1,
    hovertemplate: `${name}<br>x = %{x:.2f}<br>%{y:.4f}<extra></extra>`,
  };
}

// Which neurons each panel depends on: a move redraws only the panels that change.
const PANEL_INPUTS = {
  a: ["a"], b: ["b"], ab: ["a", "b"], c: ["c"], d: ["d"], cd: ["c", "d"],
  cab: ["a", "b", "c"], dab: ["a", "b", "d"], sum: ["a", "b", "c", "d"],
};
const drawnInputs = {};

function drawPanel(key, traces, limit, snapshot) {
  const inputs = JSON.stringify(PANEL_INPUTS[key].map((unit) => snapshot[unit]));
  if (drawnInputs[key] === inputs) return Promise.resolve();
  drawnInputs[key] = inputs;
  return redrawValues(panels[key], traces, panelLayout(limit), PANEL_CONFIG);
}

/** A, B and A + B from one 1→2→1 network: its hidden units and its output. */
const computeAB = coalesce(async (snapshot) => {
  const { a, b } = snapshot;
  /** @type {ForwardAnswer} */
  const answer = await postJSON("/api/forward", { network: apiNetwork([tanhLayer(a, b), sumLayer()]), x: X });
  const hidden = answer.layers[0].activation;
  const unitA = column(hidden, 0);
  const unitB = column(hidden, 1);
  clearError();
  await Promise.all([
    drawPanel("a", [line(unitA, UNIT_COLORS.a, "A")], 1.15, snapshot),
    drawPanel("b", [line(unitB, UNIT_COLORS.b, "B")], 1.15, snapshot),
    drawPanel("ab", [line(unitA, UNIT_COLORS.a, "A", { faint: true }), line(unitB, UNIT_COLORS.b, "B", { faint: true }),
      line(flat(answer.output), COLORS.sum, "A + B")], 2.2, snapshot),
  ]);
}, showError);

/** C, D and C + D, the same way. */
const computeCD = coalesce(async (snapshot) => {
  const { c, d } = snapshot;
  const answer = await postJSON("/api/forward", { network: apiNetwork([tanhLayer(c, d), sumLayer()]), x: X });
  const hidden = answer.layers[0].activation;
  const unitC = column(hidden, 0);
  const unitD = column(hidden, 1);
  clearError();
  await Promise.all([
    drawPanel("c", [line(unitC, UNIT_COLORS.c, "C")], 1.15, snapshot),
    drawPanel("d", [line(unitD, UNIT_COLORS.d, "D")], 1.15, snapshot),
    drawPanel("cd", [line(unitC, UNIT_COLORS.c, "C", { faint: true }), line(unitD, UNIT_COLORS.d, "D", { faint: true }),
      line(flat(answer.output), COLORS.sum, "C + D")], 2.2, snapshot),
  ]);
}, showError);

/** C(A+B), D(A+B) and their sum: layer 1 (A, B), layer 2 reads A + B through C's and D's weights. */
const computeComposed = coalesce(async (snapshot) => {
  const { a, b, c, d } = snapshot;
  const network = apiNetwork([
    tanhLayer(a, b),
    { activation: "tanh", weight: [[c[0], c[0]], [d[0], d[0]]], bias: [c[1], d[1]] },
    sumLayer(),
  ]);
  const answer = await postJSON("/api/forward", { network, x: X });
  const second = answer.layers[1].activation;
  const unitCAB = column(second, 0);
  const unitDAB = column(second, 1);
  clearError();
  await Promise.all([
    drawPanel("sum", [line(unitCAB, UNIT_COLORS.c, "C(A+B)", { faint: true }), line(unitDAB, UNIT_COLORS.d, "D(A+B)", { faint: true }),
      line(flat(answer.output), COLORS.sum, "C(A+B) + D(A+B)", { width: 3 })], 2.2, snapshot),
    drawPanel("cab", [line(unitCAB, UNIT_COLORS.c, "C(A+B)")], 1.15, snapshot),
    drawPanel("dab", [line(unitDAB, UNIT_COLORS.d, "D(A+B)")], 1.15, snapshot),
  ]);
}, showError);

function formulaText([w, b]) {
  const sign = b < 0 ? "−" : "+";
  return `tanh(${formatNumber(w)}x ${sign} ${formatNumber(Math.abs(b))})`;
}

function updateFormulas() {
  for (const unit of Object.keys(neurons)) {
    document.getElementById(`formula-${unit}`).textContent = `= ${formulaText(neurons[unit])}`;
  }
}

/** Recomputes only the networks that depend on the neuron that moved. */
function recomputeFigure(changed = "all") {
  const snapshot = structuredClone(neurons);
  if (changed === "all" || changed === "a" || changed === "b") computeAB(snapshot);
  if (changed === "all" || changed === "c" || changed === "d") computeCD(snapshot);
  computeComposed(snapshot);
  updateFormulas();
  saveState();
}

const figureSliders = {};
function setupFigureSliders() {
  for (const unit of Object.keys(neurons)) {
    figureSliders[`w${unit}`] = bindSlider(`w${unit}`, (value) => {
      neurons[unit][0] = value;
      recomputeFigure(unit);
    });
    figureSliders[`b${unit}`] = bindSlider(`b${unit}`, (value) => {
      neurons[unit][1] = value;
      recomputeFigure(unit);
    });
    figureSliders[`w${unit}`].set(neurons[unit][0]);
    figureSliders[`b${unit}`].set(neurons[unit][1]);
  }
  document.getElementById("reset-figure").addEventListener("click", () => {
    for (const unit of Object.keys(neurons)) {
      neurons[unit] = [...FIGURE[unit]];
      figureSliders[`w${unit}`].set(neurons[unit][0]);
      figureSliders[`b${unit}`].set(neurons[unit][1]);
    }
    recomputeFigure();
  });
}

// ---- the network builder --------------------------------------------------------------------

const netBox = document.getElementById("builder-net");
const outputPlot = document.getElementById("builder-output");
/** thumbs[layer][unit] = the SVG path of that unit's curve. */
let thumbs = [];
/** chips keyed "layer:kind:row:col". */
let chips = new Map();

const unitName = (layer, unit) =>
  layer === builder.length - 1 ? t("builder.output_layer") : `${t("builder.layer_n", { n: layer + 1 })} · ${t("builder.unit")} ${unit + 1}`;
const sourceName = (layer, col) => (layer === 0 ? "x" : unitName(layer - 1, col));
const chipKey = (layer, kind, row, col) => `${layer}:${kind}:${row}:${col}`;
const initValue = (inputs) => (Math.random() * 2 - 1) / Math.sqrt(inputs);

function chipLabel(layer, kind, row, col) {
  return kind === "bias"
    ? t("builder.bias_label", { unit: unitName(layer, row) })
    : t("builder.weight_label", { unit: unitName(layer, row), source: sourceName(layer, col) });
}

function paintChip(chip, value) {
  chip.textContent = chip.dataset.kind === "bias" ? `b ${formatNumber(value)}` : formatNumber(value);
  chip.classList.toggle("is-positive", value > 0);
  chip.classList.toggle("is-negative", value < 0);
}

function makeChip(layer, kind, row, col) {
  const value = kind === "bias" ? builder[layer].bias[row] : builder[layer].weight[row][col];
  const label = chipLabel(layer, kind, row, col);
  const chip = element("button", {
    type: "button", class: `chip${kind === "bias" ? " chip-bias" : ""}`, "aria-label": label, title: label, "data-kind": kind,
  });
  paintChip(chip, value);
  chip.addEventListener("click", () => selectParameter({ layer, kind, row, col }));
  chips.set(chipKey(layer, kind, row, col), chip);
  return chip;
}

function thumbnail(color) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${THUMB.width} ${THUMB.height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "thumb");
  svg.setAttribute("aria-hidden", "true");
  const zero = document.createElementNS(ns, "line");
  zero.setAttribute("class", "thumb-axis");
  zero.setAttribute("x1", "0");
  zero.setAttribute("x2", String(THUMB.width));
  zero.setAttribute("vector-effect", "non-scaling-stroke");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("class", "thumb-curve");
  path.setAttribute("stroke", color);
  path.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(zero, path);
  return { svg, path, zero };
}

/** Draws one unit's outputs over x into its thumbnail (scaled to at least [-1, 1]). */
function paintThumb(thumb, values) {
  let low = -1;
  let high = 1;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  const toY = (value) => THUMB.height - ((value - low) / (high - low)) * THUMB.height;
  const step = THUMB.width / (values.length - 1);
  let d = "";
  values.forEach((value, index) => {
    d += `${index ? "L" : "M"}${(index * step).toFixed(2)} ${toY(value).toFixed(2)}`;
  });
  thumb.path.setAttribute("d", d);
  thumb.zero.setAttribute("y1", toY(0).toFixed(2));
  thumb.zero.setAttribute("y2", toY(0).toFixed(2));
}

function buildNetwork() {
  netBox.replaceChildren();
  thumbs = [];
  chips = new Map();
  const input = thumbnail(COLORS.muted);
  paintThumb(input, X);
  netBox.append(element("div", { class: "layer layer-input" }, [
    element("div", { class: "layer-title" }, [t("builder.input")]),
    element("div", { class: "unit" }, [input.svg]),
  ]));
  builder.forEach((layer, layerIndex) => {
    const isOutput = layerIndex === builder.length - 1;
    const selectId = `layer-${layerIndex}-activation`;
    const select = element("select", { id: selectId, class: "select", "aria-label": `${t("builder.activation")} ${layerIndex + 1}` });
    for (const name of activationNames) select.append(element("option", { value: name, selected: name === layer.activation }, [name]));
    select.addEventListener("change", () => {
      layer.activation = select.value;
      recomputeBuilder();
    });
    const head = element("div", { class: "layer-head" }, [
      element("div", { class: "layer-title" }, [isOutput ? t("builder.output_layer") : t("builder.layer_n", { n: layerIndex + 1 })]),
      select,
    ]);
    if (!isOutput) {
      const remove = element("button", { type: "button", class: "icon-button", "aria-label": `${t("builder.remove_unit")} (${t("builder.layer_n", { n: layerIndex + 1 })})`, disabled: layer.bias.length <= 1 }, ["−"]);
      const add = element("button", { type: "button", class: "icon-button", "aria-label": `${t("builder.add_unit")} (${t("builder.layer_n", { n: layerIndex + 1 })})`, disabled: layer.bias.length >= MAX_UNITS }, ["+"]);
      remove.addEventListener("click", () => resizeLayer(layerIndex, -1));
      add.addEventListener("click", () => resizeLayer(layerIndex, 1));
      head.append(element("div", { class: "layer-units" }, [remove, `${layer.bias.length} ${t("builder.units")}`, add]));
    }
    const column = element("div", { class: "layer", "data-layer": layerIndex }, [head]);
    thumbs.push([]);
    layer.bias.forEach((_, row) => {
      const thumb = thumbnail(COLORS.units[row % COLORS.units.length]);
      thumbs[layerIndex].push(thumb);
      const weights = element("div", { class: "chips", "aria-label": t("builder.weights_in") }, layer.weight[row].map((__, col) => makeChip(layerIndex, "weight", row, col)));
      column.append(element("div", { class: "unit", "data-unit": row }, [
        element("div", { class: "unit-head" }, [isOutput ? "o" : `${t("builder.unit")} ${row + 1}`, makeChip(layerIndex, "bias", row, 0)]),
        thumb.svg,
        weights,
      ]));
    });
    netBox.append(column);
  });
  document.getElementById("add-layer").disabled = builder.length >= MAX_LAYERS;
  document.getElementById("remove-layer").disabled = builder.length <= 1;
  if (selected && !parameterExists(selected)) selected = null;
  showEditor();
}

function resizeLayer(layerIndex, delta) {
  const layer = builder[layerIndex];
  const next = builder[layerIndex + 1];
  if (delta > 0) {
    layer.weight.push(layer.weight[0].map(() => initValue(layer.weight[0].length)));
    layer.bias.push(initValue(layer.weight[0].length));
    next.weight.forEach((row) => row.push(initValue(layer.bias.length)));
  } else {
    layer.weight.pop();
    layer.bias.pop();
    next.weight.forEach((row) => row.pop());
  }
  buildNetwork();
  recomputeBuilder();
}

function addLayer() {
  if (builder.length >= MAX_LAYERS) return;
  const output = builder[builder.length - 1];
  const inputs = output.weight[0].length;
  const units = 2;
  const hidden = {
    activation: "tanh",
    weight: Array.from({ length: units }, () => Array.from({ length: inputs }, () => initValue(inputs))),
    bias: Array.from({ length: units }, () => initValue(inputs)),
  };
  output.weight = output.weight.map(() => Array.from({ length: units }, () => initValue(units)));
  builder.splice(builder.length - 1, 0, hidden);
  buildNetwork();
  recomputeBuilder();
}

function removeLayer() {
  if (builder.length <= 1) return;
  builder.splice(builder.length - 2, 1);
  const output = builder[builder.length - 1];
  const inputs = builder.length > 1 ? builder[builder.length - 2].bias.length : 1;
  output.weight = output.weight.map(() => Array.from({ length: inputs }, () => initValue(inputs)));
  buildNetwork();
  recomputeBuilder();
}

// The weight/bias editor: one slider for whichever chip was clicked.
const editorField = document.getElementById("editor-field");
const editorLabel = document.getElementById("editor-label");
const editorRange = /** @type {HTMLInputElement} */ (document.getElementById("editor-range"));
const editorNumber = /** @type {HTMLInputElement} */ (document.getElementById("editor-number"));
const editor = bindSliderElements(editorRange, editorNumber, (value) => {
  if (!selected) return;
  if (selected.kind === "bias") builder[selected.layer].bias[selected.row] = value;
  else builder[selected.layer].weight[selected.row][selected.col] = value;
  const chip = chips.get(chipKey(selected.layer, selected.kind, selected.row, selected.col));
  if (chip) paintChip(chip, value);
  recomputeBuilder();
});

function parameterExists({ layer, kind, row, col }) {
  const target = builder[layer];
  if (!target || row >= target.bias.length) return false;
  return kind === "bias" || col < target.weight[row].length;
}

function selectParameter(parameter) {
  selected = parameter;
  showEditor();
  editorRange.focus();
}

function showEditor() {
  for (const chip of chips.values()) chip.classList.remove("is-selected");
  document.getElementById("editor-empty").hidden = Boolean(selected);
  editorField.hidden = !selected;
  if (!selected) return;
  const { layer, kind, row, col } = selected;
  const chip = chips.get(chipKey(layer, kind, row, col));
  if (chip) chip.classList.add("is-selected");
  editorLabel.textContent = chipLabel(layer, kind, row, col);
  editor.set(kind === "bias" ? builder[layer].bias[row] : builder[layer].weight[row][col]);
}

const computeBuilder = coalesce(async (network) => {
  /** @type {ForwardAnswer} */
  const answer = await postJSON("/api/forward", { network, x: X });
  clearError();
  answer.layers.forEach((layerAnswer, layerIndex) => {
    (thumbs[layerIndex] || []).forEach((thumb, unit) => paintThumb(thumb, column(layerAnswer.activation, unit)));
  });
  const traces = answer.output[0].map((_, unit) => ({
    x: X, y: column(answer.output, unit), mode: "lines", name: `o${answer.output[0].length > 1 ? unit + 1 : ""}`,
    line: { color: unit === 0 ? COLORS.sum : COLORS.units[unit % COLORS.units.length], width: 2.5 },
    hovertemplate: "x = %{x:.2f}<br>o = %{y:.4f}<extra></extra>",
  }));
  await draw(outputPlot, traces, layout({
    margin: { l: 40, r: 8, t: 6, b: 34 },
    hovermode: "x",
    xaxis: axis({ range: [-3, 3], title: { text: t("compose.axis_x") } }),
    yaxis: axis({ title: { text: t("builder.axis_y") } }),
  }), PANEL_CONFIG);
}, showError);

function recomputeBuilder() {
  computeBuilder(structuredClone(apiNetwork(builder)));
  saveState();
}

async function randomizeBuilder() {
  // The API initialises a layer sent without weights as torch.nn.Linear does.
  const network = { layers: builder.map((layer) => ({ in: layer.weight[0].length, out: layer.bias.length, activation: layer.activation })) };
  try {
    const answer = await postJSON("/api/forward", { network, x: [0], seed: Math.floor(Math.random() * 1e6) });
    builder = answer.network.layers.map((layer) => ({ activation: layer.activation, weight: layer.weight, bias: layer.bias }));
  } catch (error) {
    showError(error);
    return;
  }
  buildNetwork();
  recomputeBuilder();
}

function setupBuilder() {
  document.getElementById("add-layer").addEventListener("click", addLayer);
  document.getElementById("remove-layer").addEventListener("click", removeLayer);
  document.getElementById("builder-from-figure").addEventListener("click", () => {
    builder = chapterNetwork();
    selected = null;
    buildNetwork();
    recomputeBuilder();
  });
  document.getElementById("builder-randomize").addEventListener("click", randomizeBuilder);
  buildNetwork();
  recomputeBuilder();
}

async function start() {
  loadState();
  setupCopyLink();
  setupFigureSliders();
  recomputeFigure();
  try {
    const list = await fetchActivations();
    activationNames = list.map((info) => info.name);
  } catch (error) {
    showError(error);
  }
  setupBuilder();
}

start();
