// Alerts, filtered by kind, severity and days (both ends included on this page), each with its
// explanation and a link to its topic.
import { getJson } from "../api.js";
import { field, h, loading, select } from "../dom.js";
import { addDays, day, number } from "../format.js";
import { t } from "../i18n.js";
import { href, navigate } from "../router.js";

const KINDS = ["emerging", "surge", "fading", "unassigned_growth", "negative_rise"];
const SEVERITIES = ["low", "medium", "high"];
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export async function renderAlerts(view, { params, stillCurrent }) {
  const kind = KINDS.includes(params.get("kind")) ? params.get("kind") : "";
  const severity = SEVERITIES.includes(params.get("severity")) ? params.get("severity") : "";
  const start = ISO_DAY.test(params.get("start") || "") ? params.get("start") : "";
  const end = ISO_DAY.test(params.get("end") || "") ? params.get("end") : "";
  const form = h("form", { class: "controls", id: "alert-filter" },
    field(t("alerts.kind"), select("kind", [["", t("alerts.any")], ...KINDS.map((k) => [k, t(`kind.${k}`)])], kind)),
    field(t("alerts.severity"), select("severity",
      [["", t("alerts.any")], ...SEVERITIES.map((s) => [s, t(`severity.${s}`)])], severity)),
    field(t("alerts.from"), h("input", { type: "date", name: "start", value: start })),
    field(t("alerts.to"), h("input", { type: "date", name: "end", value: end })),
    h("button", { type: "submit" }, t("alerts.apply")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("alerts", Object.fromEntries(new FormData(form)));
  });
  view.append(h("h1", {}, t("alerts.title")), form, loading());
  const alerts = await getJson("/alerts", { kind, severity, start, end: end ? addDays(end, 1) : "", limit: 500 });
  if (!stillCurrent()) return;
  view.lastChild.remove();
  view.append(h("p", { class: "muted", id: "alert-count" }, t("alerts.count", { n: number(alerts.items.length) })),
    h("ul", { class: "alerts", id: "alert-list" }, alerts.items.map((alert) => h("li", {
      class: `card alert severity-${alert.severity}`, "data-kind": alert.kind, "data-severity": alert.severity,
    },
    h("div", { class: "alert-head" },
      h("span", { class: `badge kind-${alert.kind}` }, t(`kind.${alert.kind}`)),
      h("span", { class: `severity severity-${alert.severity}` }, t(`severity.${alert.severity}`)),
      h("span", { class: "muted" }, day(alert.day))),
    h("p", {}, alert.explanation),
    alert.topic_key ? h("a", { href: href("topic", {}, alert.topic_key), class: "topic-link" },
      `${t("alerts.openTopic")} ${alert.topic_key}`) : null))));
}
