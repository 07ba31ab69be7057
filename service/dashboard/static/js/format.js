// Dates in the configured time zone and numbers in the interface language's locale.
import { locale } from "./i18n.js";

const ZONE = document.querySelector('meta[name="topicpulse-timezone"]')?.content || "UTC";

export function timezone() {
  return ZONE;
}

export function number(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
}

export function percent(value, digits = 0) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: digits }).format(value);
}

/** A keyword as people write it: the topic model joins a multi-syllable word with "_" ("giá_xăng"). */
export function keyword(word) {
  return word.replaceAll("_", " ");
}

/** A signed change such as "+12 %" (growth 0.12). */
export function change(value) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0, signDisplay: "exceptZero" })
    .format(value);
}

/** A local day ("2026-02-14", already in the configured zone) as the locale writes it. */
export function day(iso) {
  if (!iso) return "–";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { timeZone: "UTC", day: "2-digit", month: "2-digit", year: "numeric" })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

/** A moment (an ISO timestamp) in the configured time zone. */
export function moment(iso) {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(locale(), {
    timeZone: ZONE, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(new Date(iso));
}

/** Today's date in the configured zone, as an ISO day. */
export function today() {
  return isoDay(new Date());
}

export function isoDay(date) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(date);
  return parts;
}

/** ``iso`` shifted by ``days`` whole days. */
export function addDays(iso, days) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
