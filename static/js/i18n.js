// The page's strings (rendered by the server into data-strings) and the language switch.

const LANGUAGE_KEY = "neuron-playground.lang";
const strings = JSON.parse(document.body.dataset.strings || "{}");

/** The page's language: "en" or "zh". */
export const lang = document.documentElement.dataset.lang || "en";

/**
 * The translation of `key`, with {name} placeholders filled from `values`.
 * @param {string} key @param {Object<string, string|number>} [values]
 */
export function t(key, values) {
  let text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  if (values) {
    for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

/** Locale-aware number text with a fixed count of decimals (minus sign as U+2212). */
export function formatNumber(value, decimals = 2) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const fixed = Number(value).toFixed(decimals);
  return fixed === `-${(0).toFixed(decimals)}` ? (0).toFixed(decimals) : fixed.replace("-", "−");
}

/** Keeps the language links pointing at the current state, with only ?lang changed. */
export function syncLanguageLinks() {
  for (const link of document.querySelectorAll("[data-lang-link]")) {
    const query = new URLSearchParams(window.location.search);
    query.set("lang", link.dataset.langLink);
    link.setAttribute("href", `${window.location.pathname}?${query.toString()}`);
  }
}

/** Remembers the chosen language; brings a remembered one back when the URL does not say. */
function setupLanguage() {
  const query = new URLSearchParams(window.location.search);
  let remembered = null;
  try {
    remembered = window.localStorage.getItem(LANGUAGE_KEY);
    if (query.has("lang")) window.localStorage.setItem(LANGUAGE_KEY, lang);
  } catch {
    remembered = null; // storage may be disabled; the cookie still remembers
  }
  if (!query.has("lang") && (remembered === "en" || remembered === "zh") && remembered !== lang) {
    query.set("lang", remembered);
    window.location.replace(`${window.location.pathname}?${query.toString()}${window.location.hash}`);
    return;
  }
  for (const link of document.querySelectorAll("[data-lang-link]")) {
    link.addEventListener("click", () => {
      try {
        window.localStorage.setItem(LANGUAGE_KEY, link.dataset.langLink);
      } catch {
        /* storage disabled: the server's cookie still remembers */
      }
    });
  }
  syncLanguageLinks();
}

setupLanguage();
