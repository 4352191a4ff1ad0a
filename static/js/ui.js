// Small DOM helpers shared by the labs: sliders with number boxes, errors, copy-link.

import { ApiError } from "./api.js";
import { t } from "./i18n.js";

/**
 * Creates an element. `attributes` go through setAttribute (class via "class"), `children`
 * are nodes or strings.
 * @param {string} tag @param {Object<string, string|number|boolean>} [attributes]
 * @param {(Node|string)[]} [children]
 */
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

/**
 * Keeps a range input and its number box in step. `onChange(value)` runs on every move;
 * the number box may go beyond the slider's ends.
 * @param {string} id  the shared prefix: `${id}-range`, `${id}-number`
 * @param {(value: number) => void} onChange
 */
export function bindSlider(id, onChange) {
  const range = /** @type {HTMLInputElement} */ (document.getElementById(`${id}-range`));
  const number = /** @type {HTMLInputElement} */ (document.getElementById(`${id}-number`));
  return bindSliderElements(range, number, onChange);
}

export function bindSliderElements(range, number, onChange) {
  let value = Number(number.value);
  range.addEventListener("input", () => {
    value = Number(range.value);
    number.value = range.value;
    onChange(value);
  });
  number.addEventListener("input", () => {
    const typed = Number(number.value);
    if (number.value.trim() === "" || !Number.isFinite(typed)) return;
    value = typed;
    range.value = String(typed);
    onChange(value);
  });
  return {
    get value() {
      return value;
    },
    /** Sets both inputs without firing onChange. */
    set(newValue) {
      value = newValue;
      range.value = String(newValue);
      number.value = String(Number(Number(newValue).toFixed(4)));
    },
  };
}

/** Builds the markup of a slider like the template macro's, for controls made at run time. */
export function sliderField({ id, label, min, max, step, value, hint = "" }) {
  const range = element("input", { type: "range", id: `${id}-range`, min, max, step, value });
  const number = element("input", {
    type: "number", id: `${id}-number`, class: "number", min, max, step, value, "aria-label": label,
  });
  const head = element("div", { class: "field-head" }, [element("label", { for: `${id}-range` }, [label])]);
  if (hint) {
    head.append(element("span", { class: "field-hint", id: `${id}-hint` }, [hint]));
    range.setAttribute("aria-describedby", `${id}-hint`);
  }
  const field = element("div", { class: "field field-slider", "data-slider": id }, [
    head,
    element("div", { class: "slider-row" }, [range, number]),
  ]);
  return { field, range, number };
}

const errorBox = () => document.querySelector("[data-error]");

/** Shows an API or network error politely above the lab. */
export function showError(error) {
  const box = errorBox();
  if (!box) return;
  box.replaceChildren();
  if (error instanceof ApiError) {
    box.append(element("strong", {}, [`${t("common.error")}:`]));
    const list = element("ul");
    for (const message of error.messages) list.append(element("li", {}, [message]));
    box.append(list);
  } else if (error instanceof TypeError) {
    box.append(element("strong", {}, [t("common.network_error")]));
  } else {
    box.append(element("strong", {}, [String(error && error.message ? error.message : error)]));
  }
  box.hidden = false;
}

export function clearError() {
  const box = errorBox();
  if (box && !box.hidden) {
    box.hidden = true;
    box.replaceChildren();
  }
}

/** The "Copy link" buttons: copy the current URL (the state lives in it). */
export function setupCopyLink() {
  for (const button of document.querySelectorAll("[data-copy-link]")) {
    const label = button.textContent;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(window.location.href);
        button.textContent = t("common.copied");
      } catch {
        button.textContent = t("common.copy_failed");
      }
      window.setTimeout(() => {
        button.textContent = label;
      }, 1800);
    });
  }
}
