"""The Vietnamese text normaliser: the hand-checked table, number words, lexicon, chunks."""

import time
import unicodedata
from pathlib import Path

import pytest

from audio_library.tts import numbers
from audio_library.tts.normalize import BUILTIN_ABBREVIATIONS, normalize, split_sentences
from audio_library.tts.numbers import read_number

TABLE = Path(__file__).parent / "data" / "normalizer_cases.tsv"


def load_cases() -> list[tuple[int, str, str]]:
    """Rows (line number, input, expected); a literal \\n in an input is a line break."""
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "input\texpected"
    cases = []
    for number, line in enumerate(lines[1:], start=2):
        written, expected = line.split("\t")
        cases.append((number, written.replace("\\n", "\n"), expected))
    return cases


CASES = load_cases()
IDS = [f"row{number}" for number, _, _ in CASES]


def test_the_table_is_large_and_clean():
    assert len(CASES) >= 150
    assert len({written for _, written, _ in CASES}) == len(CASES)
    assert unicodedata.is_normalized("NFC", TABLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("number", "written", "expected"), CASES, ids=IDS)
def test_table_row(number, written, expected):
    assert normalize(written) == expected


@pytest.mark.parametrize(("number", "written", "expected"), CASES, ids=IDS)
def test_decomposed_input_reads_the_same(number, written, expected):
    assert normalize(unicodedata.normalize("NFD", written)) == expected


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (1, "một"),
        (4, "bốn"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (31, "ba mươi mốt"),
        (55, "năm mươi lăm"),
        (99, "chín mươi chín"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (104, "một trăm linh bốn"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (1_000, "một nghìn"),
        (1_005, "một nghìn không trăm linh năm"),
        (1_010, "một nghìn không trăm mười"),
        (1_024, "một nghìn không trăm hai mươi tư"),
        (2_021, "hai nghìn không trăm hai mươi mốt"),
        (10_000, "mười nghìn"),
        (15_500, "mười lăm nghìn năm trăm"),
        (100_000, "một trăm nghìn"),
        (1_000_000, "một triệu"),
        (1_000_005, "một triệu không trăm linh năm"),
        (1_050_000, "một triệu không trăm năm mươi nghìn"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (21_000_000, "hai mươi mốt triệu"),
        (1_000_000_000, "một tỷ"),
        (2_500_000_000, "hai tỷ năm trăm triệu"),
    ],
)
def test_number_words(n, words):
    assert read_number(n) == words


def test_zero_tens_can_be_le(monkeypatch):
    assert read_number(105, zero_tens="lẻ") == "một trăm lẻ năm"
    monkeypatch.setattr(numbers, "ZERO_TENS", "lẻ")
    assert read_number(1_005) == "một nghìn không trăm lẻ năm"
    assert normalize("Có 101 hộ.") == "Có một trăm lẻ một hộ."


def test_decimals_and_thousands_follow_vietnamese_separators():
    assert normalize("1,5") == "một phẩy năm"
    assert normalize("3,25") == "ba phẩy hai mươi lăm"
    assert normalize("1.500.000 đồng") == "một triệu năm trăm nghìn đồng"
    assert normalize("1,5 triệu") == "một phẩy năm triệu"


def test_document_numbers_are_never_dates_or_fractions():
    spoken = normalize("06/2014/NĐ-CP")
    assert spoken == "số sáu năm hai nghìn không trăm mười bốn nghị định chính phủ"
    assert "ngày" not in spoken and "phần" not in spoken


def test_lexicon_wins_over_builtins_and_matches_whole_words():
    lexicon = {"Đắk R'Lấp": "Đắk Rơ Lấp", "KH": "kế hoạch", "UBND": "ủy ban"}
    assert normalize("Huyện Đắk R'Lấp có KH mới.", lexicon) == "Huyện Đắk Rơ Lấp có kế hoạch mới."
    assert normalize("UBND xã", lexicon) == "ủy ban xã"
    # all-capital keys are case-sensitive; a key inside another word is no match
    assert normalize("Kh và KHO", {"KH": "kế hoạch"}) == "Kh và KHO"


def test_lexicon_entries_in_other_cases_and_forms():
    lexicon = {unicodedata.normalize("NFD", "Buôn Choáh"): "Buôn Choắc"}
    assert normalize("về buôn choáh", lexicon) == "về Buôn Choắc"
    assert normalize("Số 145/KH-BCĐ", {"BCĐ": "ban chỉ đạo huyện"}) == (
        "Số một trăm bốn mươi lăm kế hoạch ban chỉ đạo huyện"
    )


def test_builtin_abbreviations_are_many_and_lower_case():
    assert len(BUILTIN_ABBREVIATIONS) >= 80
    for written, spoken in BUILTIN_ABBREVIATIONS.items():
        assert spoken == spoken.lower(), written
        assert unicodedata.is_normalized("NFC", written + spoken)


def test_unknown_acronyms_are_spelled_and_words_in_capitals_are_kept():
    assert normalize("Công ty ABC") == "Công ty a bê xê"
    assert normalize("TỔ CHỨC THỰC HIỆN") == "TỔ CHỨC THỰC HIỆN"


@pytest.mark.parametrize("text", ["", "   ", "...", " - ; , !? “” () / "])
def test_nothing_to_say_gives_empty_text(text):
    assert normalize(text) == ""


def test_a_hundred_kilobytes_is_read_quickly():
    sentence = (
        "Căn cứ Kế hoạch số 145/KH-BCĐ ngày 22/3/2021, UBND xã thông báo: từ 7h30 ngày "
        "01/6 đến 30/6/2021, gọi 0912 345 678 hoặc 113; mức phạt 1.500.000 đồng (15%).\n"
    )
    text = (sentence * (100_000 // len(sentence) + 1))[:100_000]
    hostile = "1" * 20_000 + "a-" * 10_000 + "." * 10_000 + "1:" * 10_000 + "111 " * 5_000
    hostile += "A5" * 5_000 + " 0" * 5_000 + "1,000" * 4_000 + "a.b" * 5_000 + "a@" * 5_000
    start = time.perf_counter()
    assert normalize(text)
    assert normalize(hostile)
    assert time.perf_counter() - start < 10


SPOKEN = normalize(
    "Căn cứ Kế hoạch số 145/KH-BCĐ ngày 22/3/2021 của Ban Chỉ đạo tỉnh. "
    "UBND xã đề nghị các thôn, buôn, tổ dân phố tổ chức tuyên truyền sâu rộng đến từng hộ "
    "gia đình, nhất là các địa bàn trọng điểm về ANTT, TTATXH, phòng, chống ma túy, "
    "mua bán người, bạo lực gia đình, cháy nổ, tai nạn giao thông; mọi thông tin liên hệ "
    "0912 345 678. Đề nghị bà con thực hiện nghiêm! Xin cảm ơn."
)


@pytest.mark.parametrize("limit", [40, 80, 120, 400])
def test_chunks_keep_the_limit_whole_words_and_all_the_text(limit):
    chunks = split_sentences(SPOKEN, limit)
    assert all(len(chunk) <= limit for chunk in chunks)
    assert " ".join(chunks) == " ".join(SPOKEN.split())
    words = set(SPOKEN.split())
    assert all(set(chunk.split()) <= words for chunk in chunks)


def test_chunks_end_at_sentences_when_they_can():
    chunks = split_sentences("Câu một. Câu hai? Câu ba!", 10)
    assert chunks == ["Câu một.", "Câu hai?", "Câu ba!"]
    assert split_sentences("Câu một. Câu hai.", 400) == ["Câu một. Câu hai."]


def test_a_long_sentence_is_cut_at_a_comma_else_at_a_space():
    assert split_sentences("một hai ba, bốn năm sáu bảy", 15) == ["một hai ba,", "bốn năm sáu bảy"]
    assert split_sentences("một hai ba bốn năm", 8) == ["một hai", "ba bốn", "năm"]


def test_a_word_longer_than_the_limit_stays_whole():
    assert split_sentences("a bcdefghij k", 4) == ["a", "bcdefghij", "k"]


def test_nothing_to_split():
    assert split_sentences("   ") == []
    with pytest.raises(ValueError):
        split_sentences("a", 0)
