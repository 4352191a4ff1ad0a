// The activation gallery: every activation with its derivative, a properties table, an overlay.

import { coalesce, fetchActivations, postJSON } from "./api.js";
import { formatNumber, lang, t } from "./i18n.js";
import { COLORS, PANEL_CONFIG, axis, draw, fitRange, grid, layout } from "./plots.js";
import { compact, queryFlag, queryNumber, readQuery, writeState } from "./state.js";
import { clearError, element, setupCopyLink, showError } from "./ui.js";

// The chapter's figure, in its 2x3 order; LeakyReLU drawn with slope 0.1 as the book does.
const CHAPTER_SIX = ["tanh", "hardtanh", "sigmoid", "softplus", "relu", "leakyrelu"];
const GALLERY_PARAMS = { leakyrelu: { negative_slope: 0.1 } };
const DEFAULT_OVERLAY = ["tanh", "sigmoid", "relu"];
const SAMPLES = 241;
const PALETTE = [
  "#3b5bdb", "#e8590c", "#0ca678", "#ae3ec9", "#f08c00", "#1098ad", "#e03131",
  "#74b816", "#7048e8", "#d6336c", "#495057", "#228be6", "#5c940d",
];

const state = {
  view: "gallery",
  derivative: true,
  xMin: -3,
  xMax: 3,
  /** @type {string[]} */
  overlay: [...DEFAULT_OVERLAY],
};
/** @type {import("./api.js").ActivationInfo[]} */
let list = [];
/** name -> {x, y, dy} over the current range (gallery parameters). */
let curves = {};

const galleryView = document.getElementById("gallery-view");
const overlayView = document.getElementById("overlay-view");
const overlayPlot = document.getElementById("overlay-plot");
const derivativeToggle = /** @type {HTMLInputElement} */ (document.getElementById("show-derivative"));
const xMinInput = /** @type {HTMLInputElement} */ (document.getElementById("x-min"));
const xMaxInput = /** @type {HTMLInputElement} */ (document.getElementById("x-max"));

function loadState() {
  const query = readQuery();
  state.view = query.get("view") === "overlay" ? "overlay" : "gallery";
  state.derivative = queryFlag(query, "deriv", true);
  state.xMin = queryNumber(query, "xmin", -3);
  state.xMax = queryNumber(query, "xmax", 3);
  if (!(state.xMax > state.xMin)) Object.assign(state, { xMin: -3, xMax: 3 });
  if (query.has("sel")) state.overlay = query.get("sel").split(",").filter(Boolean);
}

function saveState() {
  writeState({
    view: state.view === "overlay" ? "overlay" : null,
    deriv: state.derivative ? null : false,
    xmin: state.xMin === -3 ? null : compact(state.xMin),
    xmax: state.xMax === 3 ? null : compact(state.xMax),
    sel: state.overlay.join(",") === DEFAULT_OVERLAY.join(",") ? null : state.overlay.join(","),
  });
}

const colorOf = (name) => PALETTE[Math.max(0, list.findIndex((info) => info.name === name)) % PALETTE.length];
const paramsText = (params) =>
  Object.entries(params).map(([key, value]) => `${key}=${typeof value === "string" ? `"${value}"` : value}`).join(", ");

function galleryTraces(name) {
  const curve = curves[name];
  const traces = [{
    x: curve.x, y: curve.y, mode: "lines", name: "f(x)", line: { color: COLORS.curve, width: 2.5 },
    hovertemplate: "x = %{x:.2f}<br>f = %{y:.4f}<extra></extra>",
  }];
  if (state.derivative) {
    traces.push({
      x: curve.x, y: curve.dy, mode: "lines", name: "f′(x)", line: { color: COLORS.derivative, width: 1.8, dash: "dash" },
      hovertemplate: "x = %{x:.2f}<br>f′ = %{y:.4f}<extra></extra>",
    });
  }
  return traces;
}

function galleryLayout(name) {
  const curve = curves[name];
  const shown = state.derivative ? [curve.y, curve.dy] : [curve.y];
  return layout({
    margin: { l: 34, r: 8, t: 6, b: 24 },
    hovermode: "x",
    xaxis: axis({ range: [state.xMin, state.xMax], fixedrange: true }),
    yaxis: axis({ range: fitRange(shown, { floor: -1.1, ceiling: 1.1, pad: 0.05 }), fixedrange: true }),
  });
}

function buildGallery() {
  const chapter = document.getElementById("gallery-chapter");
  const rest = document.getElementById("gallery-rest");
  chapter.replaceChildren();
  rest.replaceChildren();
  const ordered = [
    ...CHAPTER_SIX.map((name) => list.find((info) => info.name === name)).filter(Boolean),
    ...list.filter((info) => !CHAPTER_SIX.includes(info.name)),
  ];
  for (const info of ordered) {
    const plotId = `gallery-${info.name}`;
    const drawn = GALLERY_PARAMS[info.name];
    const head = element("div", { class: "gallery-card-head" }, [
      element("h3", { id: `${plotId}-title` }, [info.torch_name]),
      element("p", { class: "formula", title: info.formula }, [info.formula]),
    ]);
    const card = element("figure", { class: "card gallery-card", "data-activation": info.name }, [
      head,
      element("div", { class: "plot plot-small", id: plotId, role: "img", "aria-labelledby": `${plotId}-title` }),
    ]);
    if (drawn) {
      card.append(element("p", { class: "gallery-note" }, [`${t("activations.drawn_with")} ${paramsText(drawn)}`]));
    }
    (CHAPTER_SIX.includes(info.name) ? chapter : rest).append(card);
  }
}

function yesNo(flag) {
  return element("span", { class: flag ? "yes" : "no" }, [t(flag ? "common.yes" : "common.no")]);
}

function rangeText(range) {
  const [low, high] = range;
  const lowText = low === null ? "−∞" : formatNumber(low, Number.isInteger(low) ? 0 : 3);
  const highText = high === null ? "∞" : formatNumber(high, Number.isInteger(high) ? 0 : 3);
  return `${low === null ? "(" : "["}${lowText}, ${highText}${high === null ? ")" : "]"}`;
}

function boundedText(props) {
  if (props.bounded_below && props.bounded_above) return t("common.both");
  if (props.bounded_below) return t("common.below");
  if (props.bounded_above) return t("common.above");
  return t("common.none");
}

function buildTable() {
  const body = document.getElementById("props-body");
  body.replaceChildren();
  for (const info of list) {
    const props = info.properties;
    const checkbox = element("input", {
      type: "checkbox", value: info.name, checked: state.overlay.includes(info.name),
      "aria-label": `${t("activations.col_overlay")}: ${info.torch_name}`,
    });
    checkbox.addEventListener("change", () => {
      state.overlay = list.map((item) => item.name).filter((name) =>
        name === info.name ? checkbox.checked : state.overlay.includes(name));
      saveState();
      renderOverlay();
    });
    const description = info.description && (info.description[lang] || info.description.en);
    const nameCell = element("td", {}, [element("strong", {}, [info.torch_name])]);
    if (description) nameCell.setAttribute("title", description);
    const torchCall = `nn.${info.torch_name}(${paramsText(info.params)})`;
    body.append(element("tr", { "data-activation": info.name }, [
      element("td", {}, [checkbox]),
      nameCell,
      element("td", { class: "num" }, [rangeText(props.range)]),
      element("td", {}, [boundedText(props)]),
      element("td", {}, [yesNo(props.monotonic)]),
      element("td", {}, [yesNo(props.saturating)]),
      element("td", { class: "num" }, [formatNumber(props.value_at_0, 3)]),
      element("td", { class: "num" }, [formatNumber(props.slope_at_0, 3)]),
      element("td", {}, [element("code", {}, [torchCall])]),
    ]));
  }
}

async function renderGallery() {
  await Promise.all(list.filter((info) => curves[info.name]).map((info) =>
    draw(document.getElementById(`gallery-${info.name}`), galleryTraces(info.name), galleryLayout(info.name), PANEL_CONFIG)));
}

async function renderOverlay() {
  if (state.view !== "overlay") return;
  const traces = [];
  const shown = [];
  for (const name of state.overlay) {
    const curve = curves[name];
    const info = list.find((item) => item.name === name);
    if (!curve || !info) continue;
    const color = colorOf(name);
    traces.push({
      x: curve.x, y: curve.y, mode: "lines", name: info.torch_name, legendgroup: name,
      line: { color, width: 2.5 }, hovertemplate: `${info.torch_name}<br>x = %{x:.2f}<br>f = %{y:.4f}<extra></extra>`,
    });
    shown.push(curve.y);
    if (state.derivative) {
      traces.push({
        x: curve.x, y: curve.dy, mode: "lines", name: `${info.torch_name}′`, legendgroup: name, showlegend: false,
        line: { color, width: 1.5, dash: "dash" }, hovertemplate: `${info.torch_name}′<br>x = %{x:.2f}<br>f′ = %{y:.4f}<extra></extra>`,
      });
      shown.push(curve.dy);
    }
  }
  await draw(overlayPlot, traces, layout({
    margin: { l: 48, r: 16, t: 10, b: 44 },
    showlegend: true,
    legend: { x: 0.01, y: 0.99, bgcolor: "rgba(255,255,255,0.8)", font: { size: 12 } },
    hovermode: "x unified",
    xaxis: axis({ range: [state.xMin, state.xMax], title: { text: t("activations.axis_x") } }),
    yaxis: axis({ range: fitRange(shown, { floor: -1.1, ceiling: 1.1, pad: 0.05 }), title: { text: t("activations.axis_y") } }),
  }));
}

const evaluateAll = coalesce(async ({ xMin, xMax }) => {
  const x = grid(xMin, xMax, SAMPLES);
  const answers = await Promise.all(list.map((info) => postJSON("/api/activations/evaluate", {
    name: info.name, params: GALLERY_PARAMS[info.name] || {}, x,
  })));
  curves = Object.fromEntries(list.map((info, index) => [info.name, { x, ...answers[index] }]));
  clearError();
  await (state.view === "gallery" ? renderGallery() : renderOverlay());
}, showError);

function setView(view) {
  state.view = view;
  for (const button of document.querySelectorAll("[data-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  }
  galleryView.hidden = view !== "gallery";
  overlayView.hidden = view !== "overlay";
  saveState();
  if (Object.keys(curves).length) (view === "gallery" ? renderGallery() : renderOverlay());
}

async function start() {
  loadState();
  setupCopyLink();
  derivativeToggle.checked = state.derivative;
  xMinInput.value = String(state.xMin);
  xMaxInput.value = String(state.xMax);
  try {
    list = await fetchActivations();
  } catch (error) {
    showError(error);
    return;
  }
  state.overlay = state.overlay.filter((name) => list.some((info) => info.name === name));
  buildGallery();
  buildTable();
  for (const button of document.querySelectorAll("[data-view]")) {
    button.addEventListener("click", () => setView(button.dataset.view));
  }
  derivativeToggle.addEventListener("change", () => {
    state.derivative = derivativeToggle.checked;
    saveState();
    (state.view === "gallery" ? renderGallery() : renderOverlay());
  });
  for (const [input, key] of [[xMinInput, "xMin"], [xMaxInput, "xMax"]]) {
    input.addEventListener("change", () => {
      const value = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(value)) return;
      const next = { xMin: state.xMin, xMax: state.xMax, [key]: value };
      if (!(next.xMax > next.xMin)) return;
      Object.assign(state, next);
      saveState();
      evaluateAll(next);
    });
  }
  setView(state.view);
  evaluateAll({ xMin: state.xMin, xMax: state.xMax });
}

start();
