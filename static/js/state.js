// The lab's state lives in the query string: copy the link, open it elsewhere, same lab.

import { syncLanguageLinks } from "./i18n.js";

/** The current query as URLSearchParams. */
export function readQuery() {
  return new URLSearchParams(window.location.search);
}

/** A number from the query, or `fallback` when missing or not finite. */
export function queryNumber(query, key, fallback) {
  const raw = query.get(key);
  if (raw === null || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isFinite(value) ? value : fallback;
}

/** A boolean from the query ("1"/"0"), or `fallback`. */
export function queryFlag(query, key, fallback) {
  const raw = query.get(key);
  if (raw === "1") return true;
  if (raw === "0") return false;
  return fallback;
}

/** Parses a JSON value from the query, or `fallback` when missing or malformed. */
export function queryJSON(query, key, fallback) {
  const raw = query.get(key);
  if (!raw) return fallback;
  try {
    return JSON.parse(raw);
  } catch {
    return fallback;
  }
}

/** Short decimal text for URLs and labels: at most `digits` decimals, no trailing zeros. */
export function compact(value, digits = 4) {
  return String(Number(Number(value).toFixed(digits)));
}

let timer = null;
let latest = null;

/**
 * Replaces the lab's state in the URL (keeps ?lang). Debounced, since browsers throttle
 * history.replaceState when called on every slider step.
 * @param {Object<string, string|number|boolean|null|undefined>} state
 */
export function writeState(state) {
  latest = state;
  if (timer !== null) return;
  timer = window.setTimeout(() => {
    timer = null;
    const query = new URLSearchParams();
    const lang = readQuery().get("lang");
    if (lang) query.set("lang", lang);
    for (const [key, value] of Object.entries(latest)) {
      if (value === null || value === undefined || value === "") continue;
      query.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
    }
    const search = query.toString();
    const url = `${window.location.pathname}${search ? `?${search}` : ""}${window.location.hash}`;
    window.history.replaceState(null, "", url);
    document.body.dataset.stateWritten = String(Date.now());
    syncLanguageLinks();
  }, 120);
}
