// Overview: the current run's topics ranked by volume or growth over a window, each with a
// sparkline, its change against the previous window, its negative share (when the API gives
// one) and badges for the window's alerts.
import { getJson } from "../api.js";
import { sparkline } from "../charts.js";
import { field, h, loading, select } from "../dom.js";
import { addDays, change, day, keyword, number, percent } from "../format.js";
import { t } from "../i18n.js";
import { href, navigate } from "../router.js";

const WINDOWS = [7, 14, 28, 90];
const SPARK_CONCURRENCY = 4;

export async function renderOverview(view, { params, stillCurrent }) {
  const days = WINDOWS.includes(Number(params.get("days"))) ? Number(params.get("days")) : 7;
  const sort = params.get("sort") === "growth" ? "growth" : "volume";
  const controls = h("form", { class: "controls", id: "overview-controls" },
    field(t("overview.window"), select("days", WINDOWS.map((n) => [String(n), t("overview.days", { n })]), String(days))),
    field(t("overview.sort"), select("sort", [["volume", t("overview.sort.volume")], ["growth", t("overview.sort.growth")]], sort)));
  controls.addEventListener("change", () => {
    const data = new FormData(controls);
    navigate("overview", { days: data.get("days"), sort: data.get("sort") });
  });
  view.append(h("h1", {}, t("overview.title")), controls, loading());

  const topics = await getJson("/topics", { days, sort });
  if (!stillCurrent()) return;
  view.lastChild.remove();
  if (topics.run_id === null) {
    view.append(h("p", { class: "muted" }, t("overview.noRun")));
    return;
  }
  const { start, end } = topics.window;
  view.append(h("p", { class: "muted", id: "window" }, t("overview.range", { start: day(start), end: day(end) })));
  const alerts = await getJson("/alerts", { start, end: addDays(end, 1), limit: 500 });
  if (!stillCurrent()) return;
  const alertsByTopic = new Map();
  for (const alert of alerts.items) {
    if (!alert.topic_key) continue;
    if (!alertsByTopic.has(alert.topic_key)) alertsByTopic.set(alert.topic_key, []);
    alertsByTopic.get(alert.topic_key).push(alert);
  }
  const hasNegative = topics.items.some((item) => typeof item.negative_share === "number");
  const sparkCells = new Map();
  const rows = topics.items.map((item) => {
    const cell = h("td", { class: "spark" });
    sparkCells.set(item.topic_key, cell);
    return h("tr", { "data-topic": item.topic_key },
      h("td", {}, h("a", { href: href("topic", {}, item.topic_key), class: "topic-link" }, item.label),
        h("div", { class: "keywords muted" }, item.keywords.slice(0, 5).map(keyword).join(", "))),
      cell,
      h("td", { class: "num", "data-label": t("col.volume") }, number(item.volume)),
      h("td", { class: `num ${growthClass(item.growth)}`, "data-label": t("col.change") }, item.growth === null && item.volume > 0 ? t("change.new") : change(item.growth)),
      hasNegative ? h("td", { class: "num", "data-label": t("col.negative") }, percent(item.negative_share)) : null,
      h("td", {}, badges(alertsByTopic.get(item.topic_key) || [], start, end)));
  });
  if (!rows.length) {
    view.append(h("p", { class: "muted" }, t("empty")));
    return;
  }
  view.append(h("div", { class: "table-wrap" }, h("table", { class: "topics", id: "topics-table" },
    h("thead", {}, h("tr", {},
      h("th", {}, t("col.topic")), h("th", {}, t("col.trend")), h("th", { class: "num" }, t("col.volume")),
      h("th", { class: "num" }, t("col.change")), hasNegative ? h("th", { class: "num" }, t("col.negative")) : null,
      h("th", {}, t("col.alerts")))),
    h("tbody", {}, rows))));
  await drawSparklines(topics.items, sparkCells, addDays(start, -days), end, stillCurrent);
  view.querySelector("#topics-table").dataset.ready = "true";
}

function growthClass(growth) {
  if (growth === null || growth === undefined || growth === 0) return "";
  return growth > 0 ? "up" : "down";
}

function badges(alerts, start, end) {
  const kinds = new Map();
  for (const alert of alerts) kinds.set(alert.kind, (kinds.get(alert.kind) || 0) + 1);
  return [...kinds].map(([kind, count]) => h("a", {
    class: `badge kind-${kind}`, href: href("alerts", { kind, start, end }), title: t(`kind.${kind}`),
  }, `${t(`kind.${kind}`)}${count > 1 ? ` ×${count}` : ""}`));
}

/** Each topic's daily volume over this and the previous window, a few requests at a time. */
async function drawSparklines(items, cells, first, last, stillCurrent) {
  const queue = [...items];
  const worker = async () => {
    while (queue.length && stillCurrent()) {
      const item = queue.shift();
      const topic = await getJson(`/topics/${encodeURIComponent(item.topic_key)}`, { start: first, end: last });
      if (!stillCurrent()) return;
      const counts = new Map(topic.daily_volume.map((p) => [p.ds, p.y]));
      const values = [];
      for (let iso = first; iso <= last; iso = addDays(iso, 1)) values.push(counts.get(iso) || 0);
      cells.get(item.topic_key).append(sparkline(values, { label: item.label }));
    }
  };
  await Promise.all(Array.from({ length: SPARK_CONCURRENCY }, worker));
}
