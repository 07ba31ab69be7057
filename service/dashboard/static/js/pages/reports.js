// Reports: pick a period (both ends included here) and download it as md, html, csv or json.
// The API needs the key in a header, so the file is fetched and handed to the browser as a Blob.
import { getFile, getJson } from "../api.js";
import { errorBox, field, h } from "../dom.js";
import { addDays, today } from "../format.js";
import { t } from "../i18n.js";

const FORMATS = ["md", "html", "csv", "json"];

export async function renderReports(view, { stillCurrent }) {
  const latest = await getJson("/topics", { days: 28 });
  if (!stillCurrent()) return;
  const end = latest.window?.end || today();
  const start = latest.window?.start || addDays(end, -27);
  const form = h("form", { class: "controls", id: "report-form" },
    field(t("reports.from"), h("input", { type: "date", name: "from", value: start, required: true })),
    field(t("reports.to"), h("input", { type: "date", name: "to", value: end, required: true })),
    field(t("reports.top"), h("input", { type: "number", name: "top", value: 10, min: 1, max: 50, required: true })));
  const status = h("div", { id: "report-status", "aria-live": "polite" });
  const buttons = h("div", { class: "buttons" }, FORMATS.map((format) => h("button", {
    type: "button", "data-format": format,
    onclick: async () => {
      if (!form.reportValidity()) return;
      const data = new FormData(form);
      status.replaceChildren();
      try {
        const { blob, name } = await getFile("/reports/topics", {
          from: data.get("from"), to: addDays(data.get("to"), 1), top: data.get("top"), format,
        }, `topic-report.${format}`);
        const link = h("a", { href: URL.createObjectURL(blob), download: name });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 60000);
        status.replaceChildren(h("p", { class: "ok" }, t("reports.ready", { name })));
      } catch (error) {
        status.replaceChildren(errorBox(error));
      }
    },
  }, t("reports.download", { format: format.toUpperCase() }))));
  view.append(h("h1", {}, t("reports.title")), form, buttons, status);
}
