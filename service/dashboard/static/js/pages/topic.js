// One topic: keywords, representative comments, daily or weekly volume with the served forecast
// and its interval band, the served model's backtest figures in one line, and lineage.
import { ApiError, getJson } from "../api.js";
import { volumeChart } from "../charts.js";
import { append, clear, h, loading } from "../dom.js";
import { keyword, moment, number, percent } from "../format.js";
import { t } from "../i18n.js";
import { href } from "../router.js";

const HISTORY = { day: 120, week: 104 };

export async function renderTopic(view, { arg: topicKey, params, stillCurrent }) {
  const freq = params.get("freq") === "week" ? "week" : "day";
  view.append(loading());
  const [topic, forecast] = await Promise.all([
    getJson(`/topics/${encodeURIComponent(topicKey)}`),
    getJson(`/topics/${encodeURIComponent(topicKey)}/forecast`, { freq }).catch((error) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }),
  ]);
  if (!stillCurrent()) return;
  append(clear(view), [
    h("h1", {}, topic.label, " ", h("span", { class: "muted key" }, topic.topic_key)),
    h("p", { class: "muted" }, t("topic.size", { n: number(topic.size) })),
    topic.current ? null : h("p", { class: "notice" }, t("topic.retired")),
    h("div", { class: "chips", id: "keywords" },
      topic.keywords.map((k) => h("span", { class: "chip", title: number(k.weight, 3) }, keyword(k.word)))),
    volumeCard(topic, forecast, freq, view.clientWidth),
    h("div", { class: "columns" },
      h("section", { class: "card", id: "representative" }, h("h2", {}, t("topic.comments")),
        h("ul", { class: "comments" }, topic.representative_comments.map((c) => h("li", {}, c.text)))),
      h("section", { class: "card", id: "lineage" }, h("h2", {}, t("topic.lineage")), lineage(topic.lineage))),
  ]);
}

/** ``space``: the page's width, so that a phone gets a chart drawn for its width, not a shrunk one. */
function volumeCard(topic, forecast, freq, space) {
  const series = freq === "week" ? topic.weekly_volume : topic.daily_volume;
  const actual = series.slice(-HISTORY[freq]);
  const points = forecast ? forecast.points : [];
  const switcher = h("div", { class: "switch" }, ["day", "week"].map((f) => h("a", {
    href: href("topic", f === "day" ? {} : { freq: f }, topic.topic_key),
    class: f === freq ? "active" : "", "data-freq": f,
  }, t(`topic.${f}`))));
  const card = h("section", { class: "card", id: "volume" },
    h("div", { class: "card-head" }, h("h2", {}, t("topic.volume")), switcher),
    h("div", { class: "chart" }, volumeChart(actual, points, { labels: {
      title: `${t("topic.volume")}: ${topic.label}`,
      actual: t("topic.legend.actual"),
      forecast: t("topic.legend.forecast"),
      band: t("topic.legend.band", { width: forecast ? percent(forecast.interval_width) : "" }),
    }, width: Math.max(320, Math.min(1200, space - 40)), height: space < 600 ? 240 : 300 })));
  if (!forecast) {
    card.append(h("p", { class: "muted" }, t("topic.noForecast")));
    return card;
  }
  card.append(h("p", { class: "backtest", id: "backtest" }, backtestLine(forecast)),
    h("p", { class: "muted" }, `${t("topic.reason")}: ${forecast.reason} · ${moment(forecast.created_at)}`));
  return card;
}

/** The served model's backtest in one line, with its interval coverage when the API reports it. */
function backtestLine(forecast) {
  const scores = forecast.backtest[forecast.model];
  const coverage = forecast.coverage ?? forecast.interval_coverage ?? scores?.coverage;
  const parts = [];
  if (scores) {
    parts.push(t("topic.backtest", { model: forecast.model, mae: number(scores.mae, 2), smape: number(scores.smape, 1),
      mase: number(scores.mase, 2), folds: number(scores.folds) }));
  } else {
    parts.push(t("topic.noBacktest", { model: forecast.model }));
  }
  if (typeof coverage === "number") parts.push(t("topic.coverage", { coverage: percent(coverage) }));
  return parts.join(" · ");
}

function lineage(entries) {
  return h("ol", { class: "lineage" }, entries.map((entry) => {
    const parents = entry.parent_keys.map((key) => h("a", { href: href("topic", {}, key) }, key));
    const relation = t(`lineage.${entry.relation}`);
    return h("li", {},
      h("strong", {}, t("lineage.run", { run: entry.run_id })), " · ",
      entry.finished_at ? `${moment(entry.finished_at)} · ` : "",
      relation, parents.length ? " " : "", parents.flatMap((p, i) => (i ? [", ", p] : [p])),
      h("div", { class: "muted" }, `${entry.label} · ${t("topic.size", { n: number(entry.size) })}`));
  }));
}

