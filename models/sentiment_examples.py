"""Labelled examples the sentiment classifier learns from, written for this project.

They are short, everyday Vietnamese and English comments on services, schools, prices, public
policy and sport, a few also typed without diacritics, so the repository may ship them (the
shared evaluation sets may not be copied, nor anything trained on them). Each class mixes
strong and mild wording; "neutral" holds questions, announcements and plain facts, because
those are what an attitude series must not count as negative.
"""

from __future__ import annotations

NEGATIVE: tuple[str, ...] = (
    "tệ quá", "rất tệ", "chán thật sự", "quá thất vọng", "bực mình ghê", "bức xúc quá",
    "không hài lòng chút nào", "không tốt", "chẳng ra gì", "dở tệ", "kém quá",
    "làm ăn tắc trách", "thái độ phục vụ quá kém", "chờ mãi không ai giải quyết",
    "giá cao mà chất lượng kém", "lừa đảo trắng trợn", "vô trách nhiệm", "quá đắt đỏ",
    "không thể chấp nhận được", "mệt mỏi vì thủ tục rườm rà", "nói mãi mà không sửa",
    "phòng học nóng, máy chiếu hỏng", "giảng viên dạy khó hiểu, nói quá nhanh",
    "bài tập quá nhiều mà không được hướng dẫn", "cơ sở vật chất xuống cấp",
    "hàng giả tràn lan, người dân hoang mang", "thật đáng xấu hổ", "ghét cay ghét đắng",
    "mất điện cả ngày không báo trước", "tiền mất tật mang", "sản phẩm hỏng ngay tuần đầu",
    "nhân viên hách dịch", "đường ngập, kẹt xe kinh khủng", "chương trình học lạc hậu, thiếu thực tế",
    "không có tâm", "thiếu minh bạch", "buồn và thất vọng", "phí quá cao, phụ huynh không kham nổi",
    "ko tot", "te qua", "chan that", "that vong qua",
    # Mild complaints and requests for change count as negative: they say something is wrong.
    "hơi chậm", "hơi đắt", "hơi khó hiểu", "chưa rõ ràng", "chưa đủ", "chưa được giải quyết",
    "thiếu hướng dẫn cụ thể", "không có ai hỗ trợ", "nên cải thiện chất lượng dịch vụ",
    "cần thêm nhân viên vào giờ cao điểm", "mong bên mình sửa sớm", "nên giảm giá một chút",
    "đề nghị làm rõ các khoản thu", "cần công khai thông tin sớm hơn", "nên có thêm chỗ để xe",
    "nên nói chậm lại cho dễ theo", "cần nâng cấp hệ thống, mạng rất chậm", "đừng bắt người dân đi lại nhiều lần",
    "thời gian chờ quá lâu", "ứng dụng hay bị lỗi", "phòng ốc chật chội", "tài liệu không được cập nhật",
    "nen cai thien", "can sua lai",
    "should be improved", "needs more staff", "a bit slow", "please fix this soon", "not enough information",
    "terrible", "very bad", "awful service", "I am so disappointed", "this is a scam",
    "too expensive for what you get", "nobody answers, waste of time", "the worst experience",
    "not good at all", "broken after one week", "the lecturer is boring and unclear",
    "angry about the price increase", "unacceptable delays",
)

NEUTRAL: tuple[str, ...] = (
    "cho mình hỏi lịch học tuần sau", "ai biết địa chỉ ở đâu không", "mình đã nộp hồ sơ hôm qua",
    "thông báo lịch thi học kỳ", "giá xăng điều chỉnh lúc 15 giờ chiều nay", "môn này có 3 tín chỉ",
    "lớp học vào buổi sáng thứ hai", "đang chờ kết quả", "xem thêm thông tin ở trang web",
    "hôm nay trời mưa", "mình ở quận 7", "bao giờ có lịch", "có ai đi cùng không",
    "giảng viên dạy môn lập trình", "trường có thư viện và phòng máy", "học phí đóng theo học kỳ",
    "thủ tục gồm hai bước", "tùy mỗi người", "không có ý kiến gì thêm", "bình thường",
    "cũng được", "tạm ổn", "như mọi năm", "sáng mai họp lúc 8 giờ", "đề thi gồm 40 câu trắc nghiệm",
    "cho xin số điện thoại tổng đài", "cập nhật tin tức mới nhất", "đăng ký trước ngày 30",
    "ai có tài liệu môn này không", "mình chưa dùng nên không biết",
    # Social-media chatter: tagging friends, asking, joking; no attitude to a subject.
    "Minh Anh vào xem này", "tag bạn vào đây nè", "xin link với bạn ơi", "cho mình xin video gốc",
    "ủa vậy hả", "thật hả trời", "???", "haha", "=))", "mai đi không", "đang ở đâu đó",
    "nhớ hồi xưa đi học", "bạn ơi inbox mình", "xem đến cuối nha", "ai còn thức không",
    "cái này ở đâu vậy", "ê mày xem cái này", "lên top rồi kìa", "hong biet nua", "di dau vay",
    "lol", "who is this", "same here", "tag a friend", "where was this filmed",
    "what time does it open", "the meeting is on Monday", "the course has three credits",
    "prices were adjusted at 3 pm", "does anyone know the address", "I submitted the form yesterday",
    "it is okay", "no comment", "the report will be published next week", "see the link for details",
)

POSITIVE: tuple[str, ...] = (
    "tuyệt vời", "rất tốt", "hay quá", "quá đỉnh", "cảm ơn rất nhiều", "rất hài lòng",
    "giảng viên nhiệt tình, dễ hiểu", "thầy cô tận tâm với sinh viên", "nhân viên thân thiện, hỗ trợ nhanh",
    "chất lượng xứng đáng với giá tiền", "tự hào quá", "đá quá hay", "xứng đáng vô địch",
    "làm thủ tục nhanh gọn", "cán bộ hướng dẫn tận tình", "mọi thứ đều ổn, rất thích",
    "phòng học sạch sẽ, thoáng mát", "bài giảng sinh động, bổ ích", "kiến thức thực tế, áp dụng được",
    "dịch vụ chu đáo", "rất đáng để thử", "mình rất thích", "chúc mừng đội tuyển",
    "cảm ơn thầy đã giúp đỡ", "quá tuyệt, sẽ ủng hộ tiếp", "giá hợp lý, hàng tốt", "vui quá",
    "mong chương trình tiếp tục", "ủng hộ hết mình", "tốt lắm, cứ thế phát huy",
    "rất có tâm", "dễ thương", "yêu quá", "giải quyết rất nhanh, cảm ơn",
    "tuyet voi", "rat tot", "hay qua", "cam on nhieu",
    "bài này nghe hay ghê :))", "đỉnh của chóp", "xinh quá trời", "cười muốn xỉu, dễ thương ghê",
    "ủng hộ bạn nha", "quá đã", "so cute", "this made my day",
    "great job", "excellent service", "I love it", "very helpful and friendly staff",
    "thank you so much", "what a brilliant match", "the lecturer explains clearly", "well done",
    "really happy with the result", "good value for money",
)
