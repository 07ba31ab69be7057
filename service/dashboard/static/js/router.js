// Where the dashboard is: ``#/page/arg?x=1``. The fragment never reaches a server or its logs.

/** The page, its path argument and its query. */
export function currentRoute() {
  const [route, query = ""] = window.location.hash.replace(/^#\/?/, "").split("?");
  const [page, ...rest] = route.split("/");
  return { page: page || "overview", arg: decodeURIComponent(rest.join("/")), params: new URLSearchParams(query) };
}

export function href(page, params = {}, arg = "") {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null)).toString();
  return `#/${page}${arg ? `/${encodeURIComponent(arg)}` : ""}${query ? `?${query}` : ""}`;
}

/** Go to ``page`` with ``params``; the shell re-renders on the hashchange, even when the URL stays. */
export function navigate(page, params = {}) {
  const target = href(page, params);
  if (window.location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = target;
}
