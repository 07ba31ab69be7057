// The dashboard shell: sign-in, navigation between pages (kept in the URL's #fragment, which is
// never sent to a server), and the language switch.
import { ApiError, apiKey, getJson, signIn, signOut } from "./api.js";
import { clear, errorBox, field, h } from "./dom.js";
import { language, setLanguage, t, translateChrome } from "./i18n.js";
import { renderAlerts } from "./pages/alerts.js";
import { renderJobs } from "./pages/jobs.js";
import { renderOverview } from "./pages/overview.js";
import { renderReports } from "./pages/reports.js";
import { renderSearch } from "./pages/search.js";
import { renderTopic } from "./pages/topic.js";
import { currentRoute } from "./router.js";

const PAGES = {
  overview: renderOverview,
  topic: renderTopic,
  alerts: renderAlerts,
  search: renderSearch,
  reports: renderReports,
  jobs: renderJobs,
};

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signOutButton = document.getElementById("sign-out");
let rendering = 0;

function showSignIn(problem) {
  nav.hidden = true;
  signOutButton.hidden = true;
  // The key input has no name, so even a form sent without this script carries no key anywhere.
  const input = h("input", { type: "password", id: "api-key", autocomplete: "off", required: true,
    spellcheck: "false" });
  const status = h("p", { class: "muted", id: "signin-status" }, problem ? errorBox(problem) : t("signin.help"));
  const form = h("form", { class: "card signin", id: "signin", method: "post", action: "#",
    onsubmit: async (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      signIn(key);
      status.replaceChildren(t("signin.checking"));
      try {
        await getJson("/topics", { days: 1 });
        input.value = "";
        render();
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) signOut();
        status.replaceChildren(errorBox(error));
      }
    } },
  h("h1", {}, t("signin.title")),
  field(t("signin.key"), input),
  h("button", { type: "submit" }, t("signin.submit")),
  status);
  clear(main).append(form);
  input.focus();
}

export async function render() {
  translateChrome();
  if (!apiKey()) {
    showSignIn();
    return;
  }
  nav.hidden = false;
  signOutButton.hidden = false;
  const { page: asked, arg, params } = currentRoute();
  const page = asked in PAGES ? asked : "overview";
  for (const link of nav.querySelectorAll("a")) {
    link.classList.toggle("active", link.dataset.page === page || (page === "topic" && link.dataset.page === "overview"));
  }
  const mine = ++rendering;
  const view = h("section", { class: "page", id: `page-${page}` });
  clear(main).append(view);
  try {
    await PAGES[page](view, { arg, params, stillCurrent: () => mine === rendering });
  } catch (error) {
    if (mine !== rendering) return;
    if (error instanceof ApiError && error.status === 401) {
      signOut();
      showSignIn(error);
      return;
    }
    view.append(errorBox(error));
  }
}

const chooser = document.getElementById("language");
chooser.value = language();
setLanguage(language());
chooser.addEventListener("change", () => {
  setLanguage(chooser.value);
  render();
});
signOutButton.addEventListener("click", () => {
  signOut();
  render();
});
window.addEventListener("hashchange", render);
render();
