// Jobs (admin): recent jobs with status and progress; start a topic run or a forecast.
// While a job is queued or running the list refreshes itself every few seconds.
import { getJson, postJson } from "../api.js";
import { errorBox, h } from "../dom.js";
import { moment, percent } from "../format.js";
import { t } from "../i18n.js";

const REFRESH_MS = 3000;

export async function renderJobs(view, { stillCurrent }) {
  const status = h("div", { id: "job-status", "aria-live": "polite" });
  const list = h("div", { id: "job-list" });
  const start = (path) => async () => {
    status.replaceChildren();
    try {
      const accepted = await postJson(path);
      status.replaceChildren(h("p", { class: "ok" }, t("jobs.started", { id: accepted.job_id })));
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
    await refresh();
  };
  const refresh = async () => {
    const jobs = await getJson("/jobs", { limit: 20 });
    if (!stillCurrent()) return;
    list.replaceChildren(table(jobs.items));
    if (jobs.items.some((job) => job.status === "queued" || job.status === "running")) {
      setTimeout(() => stillCurrent() && refresh().catch((error) => list.replaceChildren(errorBox(error))), REFRESH_MS);
    }
  };
  view.append(h("h1", {}, t("jobs.title")),
    h("div", { class: "buttons" },
      h("button", { type: "button", id: "start-run", onclick: start("/runs") }, t("jobs.startRun")),
      h("button", { type: "button", id: "start-forecast", onclick: start("/forecasts") }, t("jobs.startForecast")),
      h("button", { type: "button", class: "secondary", onclick: () => refresh() }, t("jobs.refresh"))),
    status, list);
  await refresh();
}

function table(jobs) {
  if (!jobs.length) return h("p", { class: "muted" }, t("empty"));
  return h("div", { class: "table-wrap" }, h("table", { class: "jobs" },
    h("thead", {}, h("tr", {}, ["col.id", "col.kind", "col.status", "col.progress", "col.created", "col.finished",
      "col.message"].map((key) => h("th", {}, t(key))))),
    h("tbody", {}, jobs.map((job) => h("tr", { "data-job": job.id },
      h("td", {}, job.id),
      h("td", {}, job.kind),
      h("td", {}, h("span", { class: `status status-${job.status}` }, t(`status.${job.status}`))),
      h("td", {}, job.progress === null ? "–" : h("progress", { max: 1, value: job.progress, title: percent(job.progress) })),
      h("td", {}, moment(job.created_at)),
      h("td", {}, moment(job.finished_at)),
      h("td", { class: "message" }, job.error || job.message || ""))))));
}
