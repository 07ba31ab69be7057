// Interface strings in Vietnamese (the default) and English, and the chosen language.
// The choice is a preference, not a secret: it is kept in localStorage.

const STRINGS = {
  vi: {
    "nav.overview": "Tổng quan", "nav.alerts": "Cảnh báo", "nav.search": "Tìm kiếm",
    "nav.reports": "Báo cáo", "nav.jobs": "Tác vụ",
    "signin.title": "Đăng nhập", "signin.key": "Khóa API", "signin.submit": "Đăng nhập",
    "signin.out": "Đăng xuất",
    "signin.help": "Khóa chỉ được giữ trong phiên trình duyệt này và mất khi đóng thẻ.",
    "signin.checking": "Đang kiểm tra khóa…",
    "error.401": "Khóa API không hợp lệ hoặc đã bị thu hồi. Hãy đăng nhập lại.",
    "error.403": "Khóa của bạn không đủ quyền cho trang này.",
    "error.other": "Có lỗi khi gọi API",
    "error.network": "Không kết nối được tới máy chủ.",
    "loading": "Đang tải…", "empty": "Chưa có dữ liệu.",
    "overview.title": "Chủ đề", "overview.window": "Khoảng thời gian", "overview.sort": "Sắp xếp",
    "overview.days": "{n} ngày", "overview.sort.volume": "Theo số lượng", "overview.sort.growth": "Theo tăng trưởng",
    "overview.range": "Từ {start} đến {end}", "overview.noRun": "Chưa có lượt phân tích chủ đề nào.",
    "col.topic": "Chủ đề", "col.trend": "Xu hướng", "col.volume": "Số bình luận", "col.change": "So với kỳ trước",
    "col.negative": "Tỉ lệ tiêu cực", "col.alerts": "Cảnh báo", "col.keywords": "Từ khóa",
    "change.new": "mới",
    "topic.keywords": "Từ khóa", "topic.comments": "Bình luận tiêu biểu", "topic.volume": "Số bình luận",
    "topic.day": "Theo ngày", "topic.week": "Theo tuần", "topic.lineage": "Nguồn gốc",
    "topic.size": "{n} bình luận", "topic.retired": "Chủ đề này đã được thay thế trong lượt sau.",
    "topic.noForecast": "Chưa có dự báo cho chủ đề này.",
    "topic.backtest": "Mô hình {model}: MAE {mae}, sMAPE {smape}%, MASE {mase} ({folds} lần kiểm thử lùi)",
    "topic.coverage": "độ phủ khoảng {coverage}",
    "topic.noBacktest": "Mô hình {model} (chưa có số liệu kiểm thử lùi)",
    "topic.reason": "Lý do chọn", "topic.legend.actual": "Thực tế", "topic.legend.forecast": "Dự báo",
    "topic.legend.band": "Khoảng dự báo {width}",
    "lineage.run": "Lượt {run}", "lineage.new": "mới xuất hiện", "lineage.match": "tiếp nối",
    "lineage.split": "tách ra từ", "lineage.merge": "gộp từ",
    "alerts.title": "Cảnh báo", "alerts.kind": "Loại", "alerts.severity": "Mức độ", "alerts.from": "Từ ngày",
    "alerts.to": "Đến ngày", "alerts.any": "Tất cả", "alerts.apply": "Lọc", "alerts.count": "{n} cảnh báo",
    "alerts.openTopic": "Xem chủ đề",
    "kind.emerging": "Mới nổi", "kind.surge": "Tăng đột biến", "kind.fading": "Đang giảm",
    "kind.unassigned_growth": "Bình luận chưa phân loại tăng", "kind.negative_rise": "Tiêu cực tăng",
    "severity.low": "Thấp", "severity.medium": "Trung bình", "severity.high": "Cao",
    "search.title": "Tìm kiếm theo ngữ nghĩa", "search.query": "Nội dung cần tìm", "search.submit": "Tìm",
    "search.results": "{n} kết quả", "search.score": "độ giống {score}", "search.unassigned": "chưa phân loại",
    "reports.title": "Báo cáo", "reports.from": "Từ ngày", "reports.to": "Đến ngày",
    "reports.top": "Số chủ đề", "reports.download": "Tải {format}", "reports.ready": "Đã tải {name}",
    "jobs.title": "Tác vụ", "jobs.startRun": "Chạy phân tích chủ đề", "jobs.startForecast": "Chạy dự báo",
    "jobs.started": "Đã bắt đầu tác vụ #{id}", "jobs.refresh": "Làm mới",
    "col.id": "#", "col.kind": "Loại", "col.status": "Trạng thái", "col.progress": "Tiến độ",
    "col.created": "Tạo lúc", "col.finished": "Xong lúc", "col.message": "Ghi chú",
    "status.queued": "Đang chờ", "status.running": "Đang chạy", "status.succeeded": "Thành công",
    "status.failed": "Thất bại",
  },
  en: {
    "nav.overview": "Overview", "nav.alerts": "Alerts", "nav.search": "Search",
    "nav.reports": "Reports", "nav.jobs": "Jobs",
    "signin.title": "Sign in", "signin.key": "API key", "signin.submit": "Sign in",
    "signin.out": "Sign out",
    "signin.help": "The key is kept for this browser tab only and is gone when you close it.",
    "signin.checking": "Checking the key…",
    "error.401": "The API key is invalid or revoked. Please sign in again.",
    "error.403": "Your key's role does not allow this page.",
    "error.other": "The API answered with an error",
    "error.network": "Cannot reach the server.",
    "loading": "Loading…", "empty": "No data yet.",
    "overview.title": "Topics", "overview.window": "Window", "overview.sort": "Sort",
    "overview.days": "{n} days", "overview.sort.volume": "By volume", "overview.sort.growth": "By growth",
    "overview.range": "{start} to {end}", "overview.noRun": "No topic run yet.",
    "col.topic": "Topic", "col.trend": "Trend", "col.volume": "Comments", "col.change": "vs previous period",
    "col.negative": "Negative share", "col.alerts": "Alerts", "col.keywords": "Keywords",
    "change.new": "new",
    "topic.keywords": "Keywords", "topic.comments": "Representative comments", "topic.volume": "Volume",
    "topic.day": "Daily", "topic.week": "Weekly", "topic.lineage": "Lineage",
    "topic.size": "{n} comments", "topic.retired": "A later run retired this topic.",
    "topic.noForecast": "This topic has no forecast yet.",
    "topic.backtest": "Model {model}: MAE {mae}, sMAPE {smape}%, MASE {mase} ({folds} backtest folds)",
    "topic.coverage": "interval coverage {coverage}",
    "topic.noBacktest": "Model {model} (no backtest figures yet)",
    "topic.reason": "Why this model", "topic.legend.actual": "Actual", "topic.legend.forecast": "Forecast",
    "topic.legend.band": "{width} interval",
    "lineage.run": "Run {run}", "lineage.new": "appeared", "lineage.match": "continues",
    "lineage.split": "split from", "lineage.merge": "merged from",
    "alerts.title": "Alerts", "alerts.kind": "Kind", "alerts.severity": "Severity", "alerts.from": "From",
    "alerts.to": "To", "alerts.any": "Any", "alerts.apply": "Filter", "alerts.count": "{n} alerts",
    "alerts.openTopic": "Open topic",
    "kind.emerging": "Emerging", "kind.surge": "Surge", "kind.fading": "Fading",
    "kind.unassigned_growth": "Unassigned growth", "kind.negative_rise": "Negativity rising",
    "severity.low": "Low", "severity.medium": "Medium", "severity.high": "High",
    "search.title": "Semantic search", "search.query": "What to look for", "search.submit": "Search",
    "search.results": "{n} results", "search.score": "similarity {score}", "search.unassigned": "unassigned",
    "reports.title": "Reports", "reports.from": "From", "reports.to": "To",
    "reports.top": "Topics", "reports.download": "Download {format}", "reports.ready": "Downloaded {name}",
    "jobs.title": "Jobs", "jobs.startRun": "Start a topic run", "jobs.startForecast": "Start a forecast",
    "jobs.started": "Started job #{id}", "jobs.refresh": "Refresh",
    "col.id": "#", "col.kind": "Kind", "col.status": "Status", "col.progress": "Progress",
    "col.created": "Created", "col.finished": "Finished", "col.message": "Message",
    "status.queued": "Queued", "status.running": "Running", "status.succeeded": "Succeeded",
    "status.failed": "Failed",
  },
};

const LOCALES = { vi: "vi-VN", en: "en-GB" };
const STORAGE = "topicpulse.language";

export function language() {
  const chosen = localStorage.getItem(STORAGE);
  return chosen in STRINGS ? chosen : "vi";
}

export function setLanguage(lang) {
  localStorage.setItem(STORAGE, lang in STRINGS ? lang : "vi");
  document.documentElement.lang = language();
}

export function locale() {
  return LOCALES[language()];
}

/** The string for ``key`` in the current language, with ``{name}`` slots filled from ``values``. */
export function t(key, values = {}) {
  const text = STRINGS[language()][key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

/** Fill every element marked ``data-i18n`` (the page's fixed chrome). */
export function translateChrome(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
}
