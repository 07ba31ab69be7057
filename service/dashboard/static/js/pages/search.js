// Semantic search: a text box; the matching comments with their topics and similarity.
import { getJson, postJson } from "../api.js";
import { field, h, loading } from "../dom.js";
import { moment, number } from "../format.js";
import { t } from "../i18n.js";
import { href, navigate } from "../router.js";

export async function renderSearch(view, { params, stillCurrent }) {
  const query = (params.get("q") || "").trim();
  const input = h("input", { type: "search", name: "q", id: "search-query", value: query, maxlength: 2000,
    required: true });
  const form = h("form", { class: "controls", id: "search-form" },
    field(t("search.query"), input), h("button", { type: "submit" }, t("search.submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("search", { q: input.value.trim() });
  });
  view.append(h("h1", {}, t("search.title")), form);
  if (!query) {
    input.focus();
    return;
  }
  view.append(loading());
  const [found, topics] = await Promise.all([postJson("/search", { query, limit: 20 }), getJson("/topics", { days: 1 })]);
  if (!stillCurrent()) return;
  view.lastChild.remove();
  const labels = new Map(topics.items.map((topic) => [topic.topic_key, topic.label]));
  view.append(h("p", { class: "muted", id: "search-count" }, t("search.results", { n: number(found.items.length) })),
    h("ul", { class: "hits", id: "search-results" }, found.items.map((hit) => h("li", { class: "card hit" },
      h("p", { class: "hit-text" }, hit.text),
      h("div", { class: "muted" },
        hit.topic_key ? h("a", { href: href("topic", {}, hit.topic_key), class: "topic-link" },
          labels.get(hit.topic_key) || hit.topic_key) : t("search.unassigned"),
        ` · ${moment(hit.created_at)} · ${hit.source || ""} · ${t("search.score", { score: number(hit.score, 2) })}`)))));
}
