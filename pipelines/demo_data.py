"""A seeded synthetic comment dataset with known structure, so every stage can be checked against truth.

``write_demo_data`` writes ~24,000 Vietnamese (and some English) comments over 400 days ending
on a fixed date into a CSV file and a JSON Lines file. Planted structure:

- twelve lexically distinct topics, each phrased from many composable parts;
- weekly seasonality (weekend peaks), a dip over Tết (dates from the ``holidays`` package);
- seasonal topics: floods in the rainy season, school fees at the start of the school year;
- an emerging topic that exists only in the last 30 days and grows;
- a fading topic that declines steadily over the whole window;
- a one-day surge of one topic (about eight times its usual volume).

Noise a real export has: missing diacritics, teen-code, emoji, very short comments, spam with
phone numbers and links, exact duplicates, and a few bad rows. Every row carries its true topic
in ``topic_hint`` (``short``, ``spam`` or ``bad`` for noise), which ingestion keeps in ``meta``.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import holidays
import numpy as np

from models.text import fold_diacritics

END_DATE = date(2026, 11, 15)
DAYS = 400
LOCAL = timezone(timedelta(hours=7))
EMERGING_DAYS = 30
SURGE_FACTOR = 8.0
SURGE_TOPIC = "football"
SURGE_DATE = date(2026, 7, 5)
FADING_TOPIC = "land_law"
EMERGING_TOPIC = "fake_milk"

CSV_NAME = "comments_social.csv"
JSONL_NAME = "comments_news.jsonl"


@dataclass(frozen=True)
class DemoTruth:
    """What was planted, for the stages (and their tests) to find again."""

    start: date
    end: date
    topics: tuple[str, ...]
    emerging_topic: str
    emerging_start: date
    fading_topic: str
    surge_topic: str
    surge_date: date
    tet_dates: tuple[date, ...]
    files: tuple[Path, ...]
    rows_written: int
    duplicates_planted: int
    bad_rows_planted: int


# ---------------------------------------------------------------- topic phrasing

# Per topic: subjects, predicates, English comments. Parts compose freely within a topic.
_TOPICS: dict[str, dict[str, list[str]]] = {
    "fuel_prices": {
        "subjects": ["giá xăng", "xăng RON95", "giá dầu diesel", "cây xăng gần nhà", "giá xăng E5", "quỹ bình ổn xăng dầu", "đợt điều chỉnh giá xăng", "giá nhiên liệu"],
        "predicates": ["lại tăng thêm 500 đồng một lít", "tăng liên tục mấy kỳ điều hành", "đổ đầy bình giờ mất gần trăm nghìn", "giảm có mấy trăm mà tăng thì cả nghìn", "làm chi phí chạy xe ôm tăng vọt", "kéo giá cước vận tải lên theo", "điều chỉnh chiều nay lúc 15 giờ", "hết hàng phải xếp hàng chờ đổ"],
        "english": ["Fuel prices went up again at the pump today", "Gasoline is getting way too expensive for motorbike drivers", "Why does petrol rise fast but drop so slowly?"],
    },
    "land_law": {
        "subjects": ["dự thảo luật đất đai", "luật đất đai sửa đổi", "bảng giá đất mới", "quy định thu hồi đất", "việc cấp sổ đỏ", "điều khoản bồi thường giải phóng mặt bằng", "quyền sử dụng đất nông nghiệp", "khung giá đất"],
        "predicates": ["cần lấy ý kiến người dân kỹ hơn", "phải công khai minh bạch", "đẩy giá nhà đất lên cao", "chưa bảo vệ quyền lợi người bị thu hồi", "nên sửa điều về định giá theo thị trường", "gây khó cho thủ tục chuyển nhượng", "góp ý mãi mà chưa thấy tiếp thu", "làm đầu cơ đất nền nóng trở lại"],
        "english": ["The draft land law needs more public consultation", "New land price tables will push housing costs up"],
    },
    "traffic_fines": {
        "subjects": ["mức phạt nồng độ cồn", "phạt nguội qua camera", "nghị định xử phạt giao thông", "CSGT lập chốt", "mức phạt vượt đèn đỏ", "trừ điểm giấy phép lái xe", "phạt không đội mũ bảo hiểm", "thông báo phạt nguội"],
        "predicates": ["quá nặng so với thu nhập", "giúp giảm tai nạn rõ rệt", "gửi về nhà mà không biết lỗi gì", "uống một ly bia cũng bị phạt", "nên áp dụng cả với ô tô biển xanh", "làm người đi xe máy sợ ra đường", "nộp phạt online trên cổng dịch vụ công", "phải kiểm tra biển số trên web"],
        "english": ["Traffic fines for drink driving are very strict now", "Got a camera fine notice for running a red light"],
    },
    "school_fees": {
        "subjects": ["học phí năm học mới", "các khoản thu đầu năm", "tiền quỹ phụ huynh", "học phí trường công lập", "tiền học thêm", "phí bán trú", "học phí đại học", "khoản đóng góp xây dựng trường"],
        "predicates": ["tăng gấp đôi so với năm ngoái", "lạm thu đủ thứ tên gọi", "phụ huynh không gánh nổi", "nên được miễn cho con hộ nghèo", "thu mà không công khai chi tiêu", "đóng xong mới biết còn thêm khoản khác", "cần bộ giáo dục vào cuộc", "làm nhiều sinh viên phải bỏ học"],
        "english": ["School fees doubled this year and parents are struggling", "Too many extra fees at the start of the school year"],
    },
    "hospital_fees": {
        "subjects": ["viện phí", "giá dịch vụ khám bệnh", "bảo hiểm y tế", "tiền thuốc ngoài danh mục", "phòng dịch vụ ở bệnh viện", "chi phí nằm viện", "thẻ BHYT", "giá khám ở bệnh viện tuyến trên"],
        "predicates": ["tăng mà chất lượng không tăng", "chỉ chi trả được một phần", "bệnh nhân nghèo không kham nổi", "phải mua thuốc bên ngoài vì viện hết", "chờ cả buổi sáng mới được khám", "thanh toán chậm làm bệnh viện thiếu vật tư", "nên thông tuyến toàn quốc", "đắt đỏ quá trời"],
        "english": ["Hospital fees keep rising but the service is the same", "Health insurance barely covers the medicine"],
    },
    "floods": {
        "subjects": ["lũ lụt miền Trung", "mưa lớn kéo dài", "nước lũ", "đợt ngập ở Huế", "sạt lở đất", "bão số 5", "xả lũ thủy điện", "cứu trợ bà con vùng lũ"],
        "predicates": ["ngập sâu tới mái nhà", "cuốn trôi cả đàn gia súc", "cô lập nhiều xã vùng núi", "cần thêm áo phao và xuồng cứu hộ", "làm mất trắng vụ lúa", "mong mọi người quyên góp", "phải sơ tán trong đêm", "đường sá chia cắt không đi được"],
        "english": ["Floods in central Vietnam are terrible this year", "Sending prayers to flood victims, donations link below"],
    },
    "online_scams": {
        "subjects": ["lừa đảo qua mạng", "cuộc gọi giả danh công an", "tin nhắn giả ngân hàng", "app đầu tư lừa đảo", "chiêu việc nhẹ lương cao", "tài khoản mạo danh", "đường link lạ", "lừa đảo chuyển khoản"],
        "predicates": ["lấy hết tiền tiết kiệm của mẹ tôi", "nhắn tin đòi cài ứng dụng", "bắt chuyển tiền để xác minh", "cả nhóm bị lừa mấy trăm triệu", "mọi người cảnh giác đừng bấm vào", "cần ngân hàng khóa tài khoản ngay", "dụ làm nhiệm vụ rồi chiếm đoạt", "nên báo công an để điều tra"],
        "english": ["Beware of online scams pretending to be the police", "Scam calls asking for bank OTP codes again"],
    },
    "power_outages": {
        "subjects": ["cúp điện", "lịch cắt điện", "mất điện giữa trưa", "EVN", "hóa đơn tiền điện", "điện chập chờn", "trạm biến áp khu tôi", "giá điện bậc thang"],
        "predicates": ["không báo trước một câu", "nóng 40 độ mà cắt điện cả ngày", "làm hỏng tủ lạnh nhà tôi", "tháng này tăng gấp ba", "kéo dài từ sáng tới tối", "xưởng sản xuất phải nghỉ", "cứ mưa là mất", "tính giá quá vô lý"],
        "english": ["Power outage again for the whole afternoon", "Electricity bill tripled this month, something is wrong"],
    },
    "football": {
        "subjects": ["đội tuyển Việt Nam", "trận chung kết tối qua", "thầy Kim", "tiền đạo Tiến Linh", "hàng thủ đội nhà", "vòng loại World Cup", "giải V-League", "bàn thắng phút bù giờ"],
        "predicates": ["đá quá hay, tự hào lắm", "thua đáng tiếc vì trọng tài", "cần thay đổi chiến thuật", "làm cả nước đi bão", "xứng đáng vô địch", "dứt điểm kém quá", "cầm bóng tốt nhưng thiếu bàn thắng", "vé xem trận bán hết sạch"],
        "english": ["What a match, Vietnam played brilliantly tonight", "The referee ruined the football final"],
    },
    "admin_procedures": {
        "subjects": ["thủ tục hành chính", "làm căn cước công dân", "ứng dụng VNeID", "dịch vụ công trực tuyến", "đăng ký tạm trú", "thủ tục cấp hộ chiếu", "UBND phường", "hồ sơ một cửa"],
        "predicates": ["phải đi lại ba bốn lần", "nộp online xong vẫn phải ra phường", "cán bộ hướng dẫn nhiệt tình", "lỗi đăng nhập suốt", "chờ cả tháng chưa có kết quả", "giấy tờ rườm rà không cần thiết", "nên số hóa hết cho nhanh", "xếp hàng từ sáng sớm"],
        "english": ["Administrative procedures still require too many visits", "The VNeID app keeps failing to log in"],
    },
    "fake_milk": {
        "subjects": ["vụ sữa giả", "sữa bột giả cho trẻ em", "đường dây sản xuất sữa giả", "thực phẩm chức năng giả", "hãng sữa bị phanh phui", "nhãn hiệu sữa bị làm giả", "sữa cho người tiểu đường giả", "quản lý thị trường"],
        "predicates": ["bán suốt mấy năm mà không ai phát hiện", "con tôi uống loại này cả năm", "cần xử lý thật nặng", "phải thu hồi toàn bộ lô hàng", "quảng cáo rầm rộ trên mạng", "người tiêu dùng hoang mang", "công bố danh sách sản phẩm giả đi", "kiểm định kiểu gì vậy"],
        "english": ["The fake milk scandal is shocking, parents are worried", "How did counterfeit infant formula stay on shelves for years?"],
    },
    "housing_prices": {
        "subjects": ["giá chung cư Hà Nội", "giá nhà ở xã hội", "tiền thuê trọ", "căn hộ hai phòng ngủ", "lãi suất vay mua nhà", "dự án nhà ở xã hội", "giá đất nền ven đô", "giá căn hộ TP.HCM"],
        "predicates": ["tăng chóng mặt người trẻ không mua nổi", "làm việc cả đời chưa đủ tiền", "cao hơn thu nhập hàng chục lần", "nên có chính sách cho người thu nhập thấp", "bị cò đẩy giá", "vượt xa khả năng chi trả", "bốc thăm mãi không trúng", "chủ nhà đòi tăng tiền mỗi năm"],
        "english": ["Apartment prices in Hanoi are out of reach for young people", "Rent went up again, landlords raise it every year"],
    },
}
_OPENERS = ["", "", "", "Thật sự ", "Nói thật ", "Mọi người ơi ", "Ý kiến cá nhân: ", "Haizz ", "Trời ơi ", "Theo tôi ", "Ai cũng thấy ", "Bức xúc: "]
_CLOSERS = ["", "", "", ".", "!", "!!!", ", chán thật.", ", mong được giải quyết.", ", ai đồng ý không?", "...", ", quá mệt mỏi.", ", ý kiến mọi người sao?"]
_EMOJI = ["😡", "😢", "😂", "👍", "🙏", "😤", "💯", "🤔", "😭", "❤️", "🔥", "⚽"]
_TEEN = {"không": "ko", "được": "dc", "gì": "j", "vậy": "z", "rồi": "r", "biết": "bít", "quá": "wa", "mọi người": "mn", "như thế nào": "ntn"}
_SHORT = ["ok", "hay", "đúng", "chuẩn", "👍", "haha", "=))", "ủa", "thật à", "😂😂", "vl", "+1", "xem", "chấm", "ừ"]
_SPAM = [
    "Inbox shop nhận ưu đãi 50% tại shopee.vn/khuyenmai",
    "Kiếm tiền online 500k/ngày, liên hệ zalo 0912 345 678",
    "Vay tiền nhanh không thế chấp gọi 0987.654.321",
    "Tuyển cộng tác viên làm tại nhà http://bit.ly/viec-nhe",
    "Bán tài khoản game giá rẻ, mail banacc@gmail.com",
]
_BAD_DATES = ["32/13/2026", "hôm qua", "", "2026-02-30", "không rõ"]

# Share of comments by topic before any time effect; emerging and fading are scaled separately.
_WEIGHTS = {
    "fuel_prices": 1.3, "land_law": 1.0, "traffic_fines": 1.1, "school_fees": 0.9, "hospital_fees": 0.9,
    "floods": 0.9, "online_scams": 1.0, "power_outages": 0.9, "football": 1.2, "admin_procedures": 0.9,
    "fake_milk": 1.6, "housing_prices": 1.0,
}
# Weekend peak: Monday … Sunday.
_WEEKDAY = (0.9, 0.85, 0.9, 0.95, 1.05, 1.3, 1.25)


def tet_dates(start: date, end: date) -> tuple[date, ...]:
    """Lunar New Year holidays (eve to fourth day) between start and end, from the ``holidays`` data."""
    found = holidays.Vietnam(years=range(start.year, end.year + 1))
    return tuple(sorted(d for d, name in found.items() if "Lunar New Year" in name and start <= d <= end))


def _topic_factor(topic: str, day: date, start: date, end: date, tet: tuple[date, ...]) -> float:
    """The planted time structure of one topic on one day, relative to its base rate."""
    age = (day - start).days
    to_end = (end - day).days
    factor = _WEEKDAY[day.weekday()]
    if tet and min(tet) - timedelta(days=2) <= day <= max(tet) + timedelta(days=2):
        factor *= 0.35
    if topic == EMERGING_TOPIC:
        if to_end >= EMERGING_DAYS:
            return 0.0
        progress = (EMERGING_DAYS - to_end) / EMERGING_DAYS
        factor *= 0.15 + 2.4 * progress**1.5
    elif topic == FADING_TOPIC:
        factor *= 2.4 * math.exp(-age / 110) + 0.08
    elif topic == "floods":
        factor *= 0.4 + 2.2 * math.exp(-(((day.timetuple().tm_yday - 285) / 30) ** 2))
    elif topic == "school_fees":
        factor *= 0.6 + 2.0 * math.exp(-(((day.timetuple().tm_yday - 245) / 15) ** 2))
    if topic == SURGE_TOPIC and day == SURGE_DATE:
        factor *= SURGE_FACTOR
    return factor


def _compose(topic: str, rng: random.Random) -> tuple[str, str]:
    """One comment on ``topic`` and its language: ~6% English, the rest Vietnamese."""
    parts = _TOPICS[topic]
    if rng.random() < 0.06:
        return rng.choice(parts["english"]) + rng.choice(["", ".", "!", " :(", " 🙏"]), "en"
    subject = rng.choice(parts["subjects"])
    predicate = rng.choice(parts["predicates"])
    opener = rng.choice(_OPENERS)
    text = f"{opener}{subject if not opener else subject[0].lower() + subject[1:]} {predicate}"
    if rng.random() < 0.3:  # a second clause from the same topic
        text += ", " + rng.choice(parts["subjects"]).lower() + " " + rng.choice(parts["predicates"])
    text = (text[0].upper() + text[1:]) + rng.choice(_CLOSERS)
    return _noisy(text, rng), "vi"


def _noisy(text: str, rng: random.Random) -> str:
    """Phone-typed Vietnamese: teen-code, missing diacritics, emoji, odd casing and spacing."""
    if rng.random() < 0.12:
        for word, short in _TEEN.items():
            text = text.replace(word, short)
    if rng.random() < 0.15:
        text = fold_diacritics(text)
    if rng.random() < 0.08:
        text = text.lower()
    if rng.random() < 0.3:
        text += " " + "".join(rng.choices(_EMOJI, k=rng.randint(1, 3)))
    if rng.random() < 0.05:
        text = text.replace(" ", "  ", 1)
    return text


def _moment(day: date, rng: random.Random) -> datetime:
    hour = min(23, max(0, int(rng.gauss(20, 4.5)))) if rng.random() < 0.8 else rng.randint(6, 23)
    return datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=LOCAL)


def write_demo_data(out_dir: Path | str, *, seed: int = 7, n_comments: int = 24000) -> DemoTruth:
    """Write the demo files into ``out_dir`` and return what was planted. Same seed, same bytes."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    counts_rng = np.random.default_rng(seed)
    end = END_DATE
    start = end - timedelta(days=DAYS - 1)
    tet = tet_dates(start, end)
    days = [start + timedelta(days=i) for i in range(DAYS)]
    topics = tuple(_TOPICS)

    expected = np.array(
        [[_WEIGHTS[t] * _topic_factor(t, d, start, end, tet) for t in topics] for d in days]
    )
    topical = int(n_comments * 0.94)  # the rest is noise: short, spam, duplicates, bad rows
    counts = counts_rng.poisson(expected * topical / expected.sum())

    rows: list[dict] = []
    for di, day in enumerate(days):
        for ti, topic in enumerate(topics):
            for _ in range(int(counts[di, ti])):
                text, lang = _compose(topic, rng)
                rows.append({"moment": _moment(day, rng), "text": text, "topic_hint": topic, "lang": lang})
    for _ in range(int(n_comments * 0.03)):
        rows.append({"moment": _moment(rng.choice(days), rng), "text": rng.choice(_SHORT), "topic_hint": "short", "lang": "vi"})
    spam_day = rng.sample(days, 40)
    for _ in range(int(n_comments * 0.015)):
        rows.append({"moment": _moment(rng.choice(spam_day), rng), "text": rng.choice(_SPAM), "topic_hint": "spam", "lang": "vi"})
    rows.sort(key=lambda r: r["moment"])
    for number, row in enumerate(rows, start=1):
        row["id"] = f"c{number:06d}"
        row["author"] = f"user{rng.randint(1, max(50, n_comments // 6))}"
        row["channel"] = rng.choice(("facebook", "facebook", "tiktok", "youtube")) if number % 5 else "vnexpress"
        row["likes"] = int(rng.paretovariate(1.5)) - 1

    duplicates = rng.sample(rows, int(n_comments * 0.015))
    bad = []
    for i in range(20):
        model = rng.choice(rows)
        broken = dict(model, id=f"bad{i:03d}", topic_hint="bad")
        if i % 4 == 0:
            broken["text"] = ""
        else:
            broken["bad_date"] = _BAD_DATES[i % len(_BAD_DATES)] or "??"
        bad.append(broken)
    social = [r for r in rows if r["channel"] != "vnexpress"] + [d for d in duplicates if d["channel"] != "vnexpress"] + bad
    news = [r for r in rows if r["channel"] == "vnexpress"] + [d for d in duplicates if d["channel"] == "vnexpress"]

    csv_path = out_dir / CSV_NAME
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "thoi_gian", "channel", "username", "noi_dung", "likes", "topic_hint"])
        for row in social:
            when = row.get("bad_date") or row["moment"].strftime("%d/%m/%Y %H:%M")
            writer.writerow([row["id"], when, row["channel"], row["author"], row["text"], row["likes"], row["topic_hint"]])

    jsonl_path = out_dir / JSONL_NAME
    with jsonl_path.open("w", encoding="utf-8") as handle:
        for n, row in enumerate(news):
            stamp = row["moment"]
            record = {
                # Half the news comments carry no id: they de-duplicate on text and time.
                "id": row["id"] if n % 2 else None,
                "created_at": int(stamp.timestamp() * 1000) if n % 3 == 0 else stamp.isoformat(),
                "source": row["channel"],
                "content": row["text"],
                "topic_hint": row["topic_hint"],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    return DemoTruth(
        start=start,
        end=end,
        topics=topics,
        emerging_topic=EMERGING_TOPIC,
        emerging_start=end - timedelta(days=EMERGING_DAYS - 1),
        fading_topic=FADING_TOPIC,
        surge_topic=SURGE_TOPIC,
        surge_date=SURGE_DATE,
        tet_dates=tet,
        files=(csv_path, jsonl_path),
        rows_written=len(social) + len(news),
        duplicates_planted=len(duplicates),
        bad_rows_planted=len(bad),
    )
