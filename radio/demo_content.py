"""The demo library: topics of the 2021 plan and announcements written for the demo.

The texts are new, in the style of commune announcements on the plan's topics; the
document numbers and dates they cite are those of the plan (Kế hoạch 145/KH-BCĐ …).
"""

TOPICS = [
    ("an-ninh-to-quoc", "Phong trào toàn dân bảo vệ an ninh Tổ quốc"),
    ("phong-chong-toi-pham", "Phòng, chống tội phạm"),
    ("phong-chong-ma-tuy", "Phòng, chống ma túy"),
    ("te-nan-xa-hoi", "Phòng, chống tệ nạn xã hội"),
    ("mua-ban-nguoi", "Phòng, chống mua bán người"),
    ("bao-luc-gia-dinh", "Phòng, chống bạo lực gia đình"),
    ("phong-chay-chua-chay", "Phòng cháy, chữa cháy và cứu nạn, cứu hộ"),
    ("an-ninh-mang", "An ninh mạng"),
    ("phong-chong-dich", "Phòng, chống dịch bệnh"),
    ("thien-tai", "Phòng, chống thiên tai"),
    ("thong-bao", "Thông báo của địa phương"),
    ("nhac-hieu", "Nhạc hiệu, nhận diện đài"),
]

# title, topic code, level, state the demo leaves it in, text
ANNOUNCEMENTS = [
    (
        "Kế hoạch 145/KH-BCĐ về phong trào toàn dân bảo vệ an ninh Tổ quốc năm 2021",
        "an-ninh-to-quoc",
        "normal",
        "approved",
        "Thực hiện Kế hoạch số 145/KH-BCĐ ngày 22/3/2021 của Ban Chỉ đạo phòng, chống tội phạm, "
        "tệ nạn xã hội và xây dựng phong trào toàn dân bảo vệ an ninh Tổ quốc tỉnh Đắk Nông, "
        "UBND xã đề nghị bà con tích cực tham gia giữ gìn ANTT tại thôn, bon, buôn. "
        "Mọi thông tin về tội phạm xin báo cho Công an xã hoặc gọi số 113.",
    ),
    (
        "Chỉ thị 09-CT/TW: an ninh Tổ quốc trong tình hình mới",
        "an-ninh-to-quoc",
        "normal",
        "approved",
        "Kết luận số 44-KL/TW ngày 22/10/2019 của Ban Bí thư yêu cầu tiếp tục thực hiện Chỉ thị "
        "số 09-CT/TW ngày 01/01/2011 về tăng cường sự lãnh đạo của Đảng đối với phong trào toàn "
        "dân bảo vệ an ninh Tổ quốc. Mỗi gia đình là một tổ an ninh, mỗi người dân là một "
        "chiến sĩ công an.",
    ),
    (
        "Nghị định 06/2014/NĐ-CP về vận động quần chúng",
        "an-ninh-to-quoc",
        "normal",
        "approved",
        "Nghị định số 06/2014/NĐ-CP ngày 21/4/2014 của Chính phủ quy định biện pháp vận động "
        "quần chúng bảo vệ an ninh quốc gia, giữ gìn trật tự an toàn xã hội. Khu dân cư đạt "
        "tiêu chuẩn an toàn về ANTT theo Thông tư số 23/2012/TT-BCA được xét khen thưởng cuối năm.",
    ),
    (
        "Cảnh giác lừa đảo qua điện thoại",
        "phong-chong-toi-pham",
        "priority",
        "approved",
        "Thời gian gần đây có đối tượng giả danh cán bộ công an, ngân hàng gọi điện yêu cầu "
        "chuyển tiền. Trong 6 tháng đầu năm 2021, toàn tỉnh ghi nhận 27 vụ với số tiền bị chiếm "
        "đoạt hơn 1,5 tỷ đồng. Tuyệt đối không chuyển tiền cho người lạ; khi nghi ngờ hãy gọi "
        "Công an xã theo số 0261.3544.113.",
    ),
    (
        "Phòng, chống trộm cắp tài sản mùa thu hoạch cà phê",
        "phong-chong-toi-pham",
        "normal",
        "approved",
        "Mùa thu hoạch cà phê từ tháng 10 đến tháng 12, tình trạng trộm cắp nông sản thường "
        "tăng. Đề nghị các hộ gia đình cử người trông coi rẫy, không phơi cà phê qua đêm ngoài "
        "sân và báo ngay cho Ban công an thôn khi phát hiện người lạ.",
    ),
    (
        "Ma túy: hiểm họa cho gia đình và cộng đồng",
        "phong-chong-ma-tuy",
        "normal",
        "approved",
        "Hưởng ứng Tháng hành động phòng, chống ma túy từ 01/6 đến 30/6/2021, UBND xã kêu gọi "
        "mỗi gia đình quan tâm, giáo dục con em tránh xa ma túy. Người nghiện ma túy tự nguyện "
        "cai nghiện được hỗ trợ theo quy định; mọi thông tin xin báo cho Công an xã.",
    ),
    (
        "Ngày Quốc tế phòng, chống ma túy 26/6",
        "phong-chong-ma-tuy",
        "normal",
        "submitted",
        "Ngày 26/6 hằng năm là Ngày Quốc tế phòng, chống ma túy và Ngày toàn dân phòng, chống "
        "ma túy. Lúc 7h30 ngày 26/6/2021, tại hội trường UBND xã sẽ tổ chức mít tinh hưởng ứng; "
        "đề nghị đại diện các thôn, bon và ĐTN, LHPN, CCB tham dự đầy đủ.",
    ),
    (
        "Bài trừ cờ bạc, rượu chè trong dịp lễ hội",
        "te-nan-xa-hoi",
        "normal",
        "approved",
        "Trong dịp lễ hội mừng lúa mới, đề nghị bà con tổ chức vui tươi, lành mạnh, không "
        "uống rượu say gây mất trật tự, không tụ tập cờ bạc. Mức phạt hành vi đánh bạc trái "
        "phép có thể từ 1.000.000 đến 2.000.000 đồng.",
    ),
    (
        "Cảnh giác với mua bán người qua biên giới",
        "mua-ban-nguoi",
        "priority",
        "approved",
        "Các đối tượng thường hứa hẹn việc nhẹ lương cao từ 10 đến 15 triệu đồng mỗi tháng để "
        "dụ dỗ lao động nữ sang Campuchia. Không xuất cảnh trái phép; khi có người thân mất "
        "liên lạc, hãy báo ngay cho Công an xã hoặc đường dây nóng 111.",
    ),
    (
        "Nói không với bạo lực gia đình",
        "bao-luc-gia-dinh",
        "normal",
        "approved",
        "Bạo lực gia đình là hành vi vi phạm pháp luật. Mỗi thành viên hãy tôn trọng, yêu "
        "thương và chia sẻ với nhau. Khi phát hiện bạo lực, hãy báo cho Trưởng thôn, Chi hội "
        "phụ nữ hoặc gọi tổng đài 1900 969 680.",
    ),
    (
        "Phòng cháy rừng mùa khô",
        "phong-chay-chua-chay",
        "priority",
        "approved",
        "Mùa khô năm 2021 nhiệt độ có ngày lên tới 37°C, nguy cơ cháy rừng ở cấp IV, cấp nguy "
        "hiểm. Nghiêm cấm đốt nương rẫy khi có gió lớn; khi đốt thực bì phải báo cho kiểm lâm "
        "địa bàn và có người canh giữ. Phát hiện cháy, hãy gọi ngay số 114.",
    ),
    (
        "An toàn phòng cháy trong gia đình",
        "phong-chay-chua-chay",
        "normal",
        "draft",
        "Để phòng cháy, chữa cháy tại nhà, bà con không câu mắc điện tùy tiện, tắt bếp trước "
        "khi ra khỏi nhà và để bình chữa cháy ở nơi dễ lấy. Mỗi hộ kinh doanh nên trang bị ít "
        "nhất 01 bình chữa cháy loại 4 kg.",
    ),
    (
        "Bảo vệ tài khoản mạng xã hội",
        "an-ninh-mang",
        "normal",
        "approved",
        "Thực hiện Nghị quyết số 30-NQ/TW ngày 25/7/2018 của Bộ Chính trị về Chiến lược an "
        "ninh mạng quốc gia, đề nghị người dân không chia sẻ mã OTP, không bấm vào đường link "
        "lạ và không đăng tải, chia sẻ tin giả, tin chưa được kiểm chứng trên mạng xã hội.",
    ),
    (
        "Tiêm vắc xin phòng COVID-19 đợt 3",
        "phong-chong-dich",
        "priority",
        "approved",
        "Ngày 15/9/2021, Trạm Y tế xã tổ chức tiêm vắc xin phòng COVID-19 cho người từ 18 "
        "tuổi trở lên, từ 7h00 đến 16h30. Khi đi tiêm, bà con mang theo CCCD hoặc CMND, thẻ "
        "BHYT và đeo khẩu trang, giữ khoảng cách tối thiểu 2 m.",
    ),
    (
        "Phòng, chống sốt xuất huyết",
        "phong-chong-dich",
        "normal",
        "rejected",
        "Mùa mưa là thời điểm muỗi vằn sinh sản mạnh. Đề nghị các hộ gia đình diệt lăng quăng, "
        "đậy kín dụng cụ chứa nước, ngủ màn kể cả ban ngày. Khi sốt cao từ 2-3 ngày, hãy đến "
        "ngay Trạm Y tế xã để được khám.",
    ),
    (
        "Cảnh báo mưa lớn, lũ quét và sạt lở đất",
        "thien-tai",
        "emergency",
        "approved",
        "Theo Đài Khí tượng Thủy văn tỉnh, từ đêm 12/10 đến ngày 14/10/2021 khu vực có mưa to "
        "với lượng mưa phổ biến 50-100mm, có nơi trên 150mm. Bà con ở ven suối và vùng trũng "
        "thấp không đi qua ngầm, tràn khi nước dâng cao; Ban chỉ huy PCTT và TKCN xã trực 24/24 "
        "giờ.",
    ),
    (
        "Thông báo lịch thu thuế sử dụng đất phi nông nghiệp",
        "thong-bao",
        "normal",
        "approved",
        "UBND xã thông báo: từ ngày 01/10 đến ngày 31/10/2021, cán bộ thuế thu thuế sử dụng "
        "đất phi nông nghiệp tại nhà văn hóa các thôn, vào buổi sáng từ 7h30 đến 11h00. Đề "
        "nghị các hộ mang theo thông báo nộp thuế.",
    ),
    (
        "Lịch khám nghĩa vụ quân sự năm 2022",
        "thong-bao",
        "normal",
        "submitted",
        "Hội đồng nghĩa vụ quân sự xã thông báo: thanh niên sinh năm 2004 và các năm trước "
        "chưa thực hiện nghĩa vụ có mặt tại Trạm Y tế xã lúc 7h00 ngày 10/11/2021 để khám sức "
        "khỏe. Mọi thắc mắc liên hệ Ban chỉ huy quân sự xã, số điện thoại 0912 345 678.",
    ),
    (
        "Họp dân thôn bàn về đường giao thông nông thôn",
        "thong-bao",
        "normal",
        "draft",
        "Thôn 3 tổ chức họp dân lúc 19h30 tối thứ Bảy ngày 16/10/2021 tại nhà văn hóa thôn để "
        "bàn việc đóng góp làm đường bê tông dài 1,2 km, mỗi hộ dự kiến góp 500.000 đồng. Đề "
        "nghị mỗi hộ cử 01 người tham dự.",
    ),
]

# title, frequencies (Hz) of a short chime, and length in seconds of each note
JINGLES = [
    ("Nhạc hiệu mở đầu buổi phát", [523.25, 659.25, 783.99, 1046.5], 0.45),
    ("Nhạc hiệu kết thúc buổi phát", [1046.5, 783.99, 659.25, 523.25], 0.45),
    ("Tín hiệu báo tin khẩn cấp", [880.0, 660.0, 880.0, 660.0, 880.0, 660.0], 0.3),
]

# The real plan's facts: Sở TT&TT Đắk Nông, May 2021, for the rest of 2021.
CAMPAIGN = {
    "code": "dnong-2021-pctp",
    "name": "Tuyên truyền phòng, chống tội phạm, tệ nạn xã hội và xây dựng phong trào toàn "
    "dân bảo vệ an ninh Tổ quốc năm 2021",
    "legal_refs": "Kế hoạch số 145/KH-BCĐ ngày 22/3/2021 của Ban Chỉ đạo tỉnh Đắk Nông; "
    "Kết luận số 44-KL/TW ngày 22/10/2019; Chỉ thị số 09-CT/TW ngày 01/01/2011; "
    "Nghị quyết số 28-NQ/TW ngày 25/10/2013; Nghị quyết số 29-NQ/TW và số 30-NQ/TW ngày "
    "25/7/2018; Chỉ thị số 46-CT/TW ngày 22/6/2015; Nghị định số 06/2014/NĐ-CP ngày "
    "21/4/2014; Thông tư số 23/2012/TT-BCA ngày 27/4/2012",
    "topics": [
        "an-ninh-to-quoc",
        "phong-chong-toi-pham",
        "phong-chong-ma-tuy",
        "te-nan-xa-hoi",
        "mua-ban-nguoi",
        "bao-luc-gia-dinh",
        "phong-chay-chua-chay",
        "an-ninh-mang",
    ],
}
