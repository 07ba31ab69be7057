// Inline SVG charts: a sparkline and a volume chart with the forecast and its interval band.
// Hand-written instead of a chart library: two chart shapes do not justify a vendored dependency.
import { day, number } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function path(points) {
  return points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join("");
}

/** A small line of ``values`` (oldest first), for a table cell. */
export function sparkline(values, { width = 120, height = 28, label = "" } = {}) {
  const top = Math.max(1, ...values);
  const step = values.length > 1 ? (width - 2) / (values.length - 1) : 0;
  const points = values.map((v, i) => [1 + i * step, height - 2 - (v / top) * (height - 4)]);
  return svg("svg", { class: "sparkline", viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": label },
  svg("path", { d: path(points), fill: "none", stroke: "currentColor", "stroke-width": "1.5" }));
}

const DAY_MS = 86400000;

/** A round step (1, 2 or 5 times a power of ten) near ``rough``, for the y axis. */
function niceStep(rough) {
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1e-9)));
  const scaled = rough / power;
  const step = (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
  return Math.max(1, step);
}
const toTime = (iso) => Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);

/**
 * Actual volume (``[{ds, y}]``) followed by the forecast (``[{ds, yhat, lower, upper}]``) and its
 * band, with a y axis, a few dated ticks and a legend. Scales to its container's width.
 */
export function volumeChart(actual, forecast, { labels, width = 960, height = 300 } = {}) {
  const legend = legendRows([["actual", labels.actual],
    ...(forecast.length ? [["forecast", labels.forecast], ["band", labels.band]] : [])], 52, width);
  const margin = { left: 52, right: 12, top: 12, bottom: 24 + LEGEND_ROW * legend.rows };
  const times = [...actual.map((p) => toTime(p.ds)), ...forecast.map((p) => toTime(p.ds))];
  const first = Math.min(...times);
  const last = Math.max(first + DAY_MS, ...times);
  const step = niceStep(Math.max(1, ...actual.map((p) => p.y), ...forecast.map((p) => p.upper)) / 4);
  const top = step * Math.ceil(Math.max(1, ...actual.map((p) => p.y), ...forecast.map((p) => p.upper)) / step);
  const x = (iso) => margin.left + ((toTime(iso) - first) / (last - first)) * (width - margin.left - margin.right);
  const y = (v) => height - margin.bottom - (Math.max(0, v) / top) * (height - margin.top - margin.bottom);

  const chart = svg("svg", { class: "volume-chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": labels.title });
  for (let value = 0; value <= top + step / 2; value += step) {
    chart.append(
      svg("line", { class: "grid", x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }),
      svg("text", { class: "tick", x: margin.left - 6, y: y(value) + 4, "text-anchor": "end" }, number(value)),
    );
  }
  const all = [...actual.map((p) => p.ds), ...forecast.map((p) => p.ds)];
  const labelCount = Math.min(Math.max(2, Math.floor(width / 160)), all.length);
  for (let i = 0; i < labelCount; i += 1) {
    const iso = all[Math.round((i * (all.length - 1)) / Math.max(1, labelCount - 1))];
    const anchor = i === 0 ? "start" : i === labelCount - 1 ? "end" : "middle";
    chart.append(svg("text", { class: "tick", x: x(iso), y: height - margin.bottom + 16, "text-anchor": anchor },
      day(iso)));
  }
  if (forecast.length) {
    const upper = forecast.map((p) => [x(p.ds), y(p.upper)]);
    const lower = forecast.map((p) => [x(p.ds), y(p.lower)]).reverse();
    chart.append(
      svg("path", { class: "band", d: `${path([...upper, ...lower])}Z` }),
      svg("path", { class: "forecast", d: path(forecast.map((p) => [x(p.ds), y(p.yhat)])) }),
    );
  }
  chart.append(svg("path", { class: "actual", d: path(actual.map((p) => [x(p.ds), y(p.y)])) }));
  for (const { kind, text, left, row } of legend.items) {
    const baseline = height - 6 - LEGEND_ROW * (legend.rows - 1 - row);
    chart.append(
      svg("rect", { class: `key key-${kind}`, x: left, y: baseline - 8, width: 14, height: 8 }),
      svg("text", { class: "legend", x: left + 20, y: baseline }, text),
    );
  }
  return chart;
}

const LEGEND_ROW = 16;

/** Legend entries placed left to right, wrapping onto a new row where the next would not fit
 * (a phone-width chart has no room for three). Text width is estimated: 7 px a character at 12 px. */
function legendRows(entries, start, width) {
  const items = [];
  let left = start;
  let row = 0;
  for (const [kind, text] of entries) {
    const room = 20 + 7 * text.length + 16;
    if (left > start && left + room > width) {
      left = start;
      row += 1;
    }
    items.push({ kind, text, left, row });
    left += room;
  }
  return { items, rows: row + 1 };
}
