// The REST API, called with the signed-in key. The key lives in sessionStorage (this tab only),
// is sent only in the X-API-Key header, and never goes into a URL or the console.

const KEY = "topicpulse.apiKey";
const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function signIn(key) {
  sessionStorage.setItem(KEY, key);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

async function call(path, { method = "GET", query, body } = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  const headers = { "X-API-Key": apiKey() || "" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "");
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail ?? detail;
    } catch {
      /* a body that is not JSON keeps the status text */
    }
    throw new ApiError(response.status, detail);
  }
  return response;
}

export async function getJson(path, query) {
  return (await call(path, { query })).json();
}

export async function postJson(path, body, query) {
  return (await call(path, { method: "POST", body, query })).json();
}

/** The response body as a Blob with the file name the server suggested (for downloads). */
export async function getFile(path, query, fallbackName) {
  const response = await call(path, { query });
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] || fallbackName;
  return { blob: await response.blob(), name };
}
