// Fetching from the REST API, and coalescing: one request in flight per plot, latest value wins.

/**
 * An error the API answered with (422 and friends), its messages ready to show.
 */
export class ApiError extends Error {
  /** @param {number} status @param {string[]} messages */
  constructor(status, messages) {
    super(messages.join("; "));
    this.name = "ApiError";
    this.status = status;
    this.messages = messages;
  }
}

/** FastAPI's {"detail": [...] | "..."} as readable lines. */
function detailMessages(body, status) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => {
      const where = Array.isArray(item.loc) ? item.loc.filter((part) => part !== "body").join(".") : "";
      return where ? `${where}: ${item.msg}` : String(item.msg);
    });
  }
  if (typeof detail === "string") return [detail];
  return [`HTTP ${status}`];
}

async function request(method, url, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, detailMessages(parsed, response.status));
  return parsed;
}

export const getJSON = (url) => request("GET", url);
export const postJSON = (url, body) => request("POST", url, body);

/**
 * Wraps `task(arg) -> Promise` so at most one runs at a time; calls made meanwhile
 * collapse into one: the latest argument runs as soon as the current one ends.
 * @template T
 * @param {(arg: T) => Promise<void>} task
 * @param {(error: unknown) => void} [onError]
 * @returns {(arg: T) => void}
 */
export function coalesce(task, onError) {
  let running = false;
  let hasPending = false;
  /** @type {T | undefined} */
  let pending;

  async function run(arg) {
    running = true;
    try {
      await task(arg);
    } catch (error) {
      if (onError) onError(error);
      else console.warn(error);
    } finally {
      running = false;
      if (hasPending) {
        const next = pending;
        hasPending = false;
        pending = undefined;
        run(next);
      }
    }
  }

  return (arg) => {
    if (running) {
      pending = arg;
      hasPending = true;
    } else {
      run(arg);
    }
  };
}

/** Activation catalogue, fetched once per page. */
let activationsPromise = null;
/**
 * @typedef {{name: string, torch_name: string, params: Object<string, number|string>,
 *   formula: string, properties: {range: (number|null)[], bounded_below: boolean,
 *   bounded_above: boolean, monotonic: boolean, saturating: boolean, value_at_0: number,
 *   slope_at_0: number}, description?: {en?: string, zh?: string}}} ActivationInfo
 * @returns {Promise<ActivationInfo[]>}
 */
export function fetchActivations() {
  if (!activationsPromise) activationsPromise = getJSON("/api/activations");
  return activationsPromise;
}
