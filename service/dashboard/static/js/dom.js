// Building elements without innerHTML: comment texts come from the public and must stay text.
import { ApiError } from "./api.js";
import { t } from "./i18n.js";

/** ``h("a", {href: "#/x", class: "y"}, "text", child)`` */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/** A message box for a failed call: 401 and 403 in plain words, anything else with the API's detail. */
export function errorBox(error) {
  if (!(error instanceof ApiError)) {
    console.error(error);
    return h("p", { class: "error", role: "alert" }, t("error.other"), ": ", String(error.message || error));
  }
  if (error.status === 0) return h("p", { class: "error", role: "alert" }, t("error.network"));
  if (error.status === 401) return h("p", { class: "error", role: "alert", "data-status": "401" }, t("error.401"));
  if (error.status === 403) {
    return h("p", { class: "error", role: "alert", "data-status": "403" }, t("error.403"), " ",
      h("span", { class: "detail" }, error.detail));
  }
  return h("p", { class: "error", role: "alert", "data-status": String(error.status) },
    `${t("error.other")} (${error.status}): `, error.detail);
}

export function loading() {
  return h("p", { class: "muted" }, t("loading"));
}

/** A labelled form control. */
export function field(label, control) {
  return h("label", { class: "field" }, h("span", {}, label), control);
}

export function select(name, options, value) {
  return h("select", { name },
    options.map(([optionValue, text]) => h("option", { value: optionValue, selected: optionValue === value }, text)));
}
