// Plotly helpers: one look for every plot, and a redraw that reports when it is done.

/* global Plotly */

export const COLORS = {
  ink: "#1f2a37",
  muted: "#6b7785",
  grid: "#e8ecf1",
  zero: "#c5cdd6",
  curve: "#3b5bdb",
  derivative: "#e8590c",
  linear: "#8993a0",
  points: "#c2255c",
  sensitive: "rgba(18, 184, 134, 0.14)",
  saturated: "rgba(250, 176, 5, 0.16)",
  units: ["#1c7ed6", "#0ca678", "#f08c00", "#ae3ec9", "#e03131", "#1098ad", "#74b816", "#7048e8"],
  sum: "#2b2f36",
};

export const FONT_FAMILY =
  'Inter, "Segoe UI", system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';

/** Plotly options for interactive plots: no logo, fewer buttons, resizes with its card. */
export const CONFIG = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
};

/** Plotly options for the small panels: hover still works, no mode bar. */
export const PANEL_CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };

/** An axis in the house style; `overrides` win. */
export function axis(overrides = {}) {
  return {
    gridcolor: COLORS.grid,
    zerolinecolor: COLORS.zero,
    zerolinewidth: 1,
    linecolor: COLORS.zero,
    tickfont: { size: 11, color: COLORS.muted },
    title: { font: { size: 12, color: COLORS.muted }, standoff: 6 },
    // Fixed margins: automargin re-lays out the figure whenever tick labels change (slow).
    automargin: false,
    fixedrange: false,
    ...overrides,
  };
}

/** A layout in the house style: transparent, small margins, calm grid. */
export function layout(overrides = {}) {
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: FONT_FAMILY, size: 12, color: COLORS.ink },
    margin: { l: 44, r: 12, t: 10, b: 36 },
    hovermode: "closest",
    hoverlabel: { font: { family: FONT_FAMILY, size: 12 }, bordercolor: "rgba(0,0,0,0)" },
    showlegend: false,
    xaxis: axis(),
    yaxis: axis(),
    ...overrides,
  };
}

let drawCount = 0;

/**
 * Redraws `element` from data with Plotly.react (never a new figure per frame), then marks
 * it: data-drawn counts redraws and an "np:drawn" event fires (tests and the benchmark
 * wait on these).
 */
export async function draw(element, data, plotLayout, config = CONFIG) {
  await Plotly.react(element, data, plotLayout, config);
  markDrawn(element);
}

function markDrawn(element) {
  drawCount += 1;
  element.dataset.drawn = String(drawCount);
  element.dispatchEvent(new CustomEvent("np:drawn", { detail: drawCount }));
}

/** The figure already shows these traces (same count, names and lengths), only new values. */
function sameTraces(element, data) {
  const shown = element.data;
  return (
    Array.isArray(shown) &&
    shown.length === data.length &&
    shown.every((trace, i) => trace.name === data[i].name && trace.y.length === data[i].y.length)
  );
}

/**
 * For figures whose layout never changes (the compose panels): when only the values move,
 * Plotly.animate without a redraw updates the lines in the next frame, so any number of
 * panels redraw together in one frame (5 panels: 16 ms instead of 31 ms with react);
 * anything else goes through `draw`.
 */
export async function redrawValues(element, data, plotLayout, config = CONFIG) {
  if (!sameTraces(element, data)) {
    await draw(element, data, plotLayout, config);
    return;
  }
  await Plotly.animate(
    element,
    { data: data.map((trace) => ({ x: trace.x, y: trace.y })), traces: data.map((_, i) => i) },
    { transition: { duration: 0 }, frame: { duration: 0, redraw: false } },
  );
  markDrawn(element);
}

/** y-axis limits that fit `arrays` with a margin, at least `[-minHalf, minHalf]`-ish tall. */
export function fitRange(arrays, { pad = 0.08, floor = null, ceiling = null } = {}) {
  let low = Infinity;
  let high = -Infinity;
  for (const values of arrays) {
    for (const value of values) {
      if (value === null || !Number.isFinite(value)) continue;
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  if (!Number.isFinite(low)) return [-1, 1];
  if (floor !== null) low = Math.min(low, floor);
  if (ceiling !== null) high = Math.max(high, ceiling);
  const span = Math.max(high - low, 1e-6);
  return [low - pad * span, high + pad * span];
}

/** `count` evenly spaced numbers from `start` to `stop` (the plot's sample points). */
export function grid(start, stop, count) {
  const step = (stop - start) / (count - 1);
  return Array.from({ length: count }, (_, index) => Number((start + index * step).toFixed(10)));
}
