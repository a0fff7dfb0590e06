"""Dates, weekdays, ordinals and clock times, and the slashes that are fractions instead."""

import re

from audio_library.tts.context import clause_before, word_after, word_before
from audio_library.tts.numbers import read_day, read_month, read_number, read_ordinal

_SLASHED = r"(?<![\w/.,-]){}(?![\w/]|[.,]\d)"
_DASHED_DATE = re.compile(r"(?<![\w/.,-])(\d{1,2})([.-])(\d{1,2})(?:\2(\d{4}))?(?![\w/]|[.,-]\d)")
_MONTH_YEAR = re.compile(_SLASHED.format(r"(\d{1,2})/(\d{4})"))
_DATE = re.compile(_SLASHED.format(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?"))
_RATIO = re.compile(_SLASHED.format(r"(\d+)/(\d+)\s?(h\b|giờ\b)?"))
_DAY_WORD = re.compile(r"(?i:\b(ngày))\s+(\d{1,2})(?=\s+(?i:tháng)\b)")
_MONTH_WORD = re.compile(r"(?i:\b(tháng))\s+(\d{1,2})(?![\w/]|[.,]\d)")
_ORDINAL = re.compile(
    r"(?i:\b(thứ))\s*(\d{1,3})(?![\w/]|[.,]\d)"
    r"(\s*[-–—]\s*(?=(?i:thứ)\s*\d|CN\b|(?i:chủ nhật)))?"
)
_SUNDAY = re.compile(r"(?<![\w'/-])CN(?![\w'])(?![-/]\w)")
_CLOCK = re.compile(
    r"(?<![\w:.,/])(\d{1,2})(?:[hg](\d{2})(?:\s?phút\b|ph\b|p\b|['’])?|h(?!\w)|:(\d{2})(?![\d:]))"
)

_DATE_WORDS = {"ngày", "mồng", "mùng", "từ", "đến", "tới", "hôm", "sáng", "chiều", "tối", "trưa"}
_DATE_WORDS |= {"đêm", "trước", "sau", "vào", "hạn"}
_DASHED_DATE_WORDS = {"ngày", "mồng", "mùng", "lễ", "dịp", "niệm"}
_WEEKDAYS = {"nhật", "hai", "ba", "tư", "năm", "sáu", "bảy"}
_FRACTION_BEFORE = {"khoảng", "gần", "hơn", "trên", "dưới", "chiếm", "còn", "bằng", "được", "đạt"}
_FRACTION_AFTER = {"số", "tổng", "dân", "diện", "lượng", "khối", "thời", "quãng", "chiều", "giá"}
_FRACTION_AFTER |= {"mức", "kinh", "ngân", "phần", "trong", "tiêu", "lực", "cán", "hộ", "người"}
_FRACTION_AFTER |= {"xã", "phường", "thôn", "buôn", "bon", "tổ", "huyện", "trường", "đơn", "cơ"}
_COUNTED = {"lần", "buổi", "lượt", "đợt", "ngày", "người", "kỳ", "tuần", "giờ", "ca", "lớp"}


def read_dates(text: str) -> str:
    """Read dates, months, fractions and ratios written with slashes or dashes."""
    text = _MONTH_YEAR.sub(_month_year, text)
    text = _DATE.sub(_date, text)
    text = _RATIO.sub(_ratio, text)
    text = _DAY_WORD.sub(lambda m: f"{m[1]} {read_day(int(m[2]))}", text)
    return _MONTH_WORD.sub(_month_word, text)


def dashed_dates_to_slashes(text: str) -> str:
    """Write 22-10-2019 and 22.10.2019 as 22/10/2019 (ngày 30-4 as 30/4) before ranges."""
    return _DASHED_DATE.sub(_dashed_date, text)


def _dashed_date(match: re.Match[str]) -> str:
    day, _, month, year = match.groups()
    if not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
        return match[0]
    if year:
        return f"{day}/{month}/{year}"
    # without a year, "30-4" is a date only where a word asks for one ("ngày 30-4", "lễ 2-9")
    return f"{day}/{month}" if word_before(match) in _DASHED_DATE_WORDS else match[0]


def _month_year(match: re.Match[str]) -> str:
    month, year = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return match[0]
    before = word_before(match)
    # "quý 2/2021" is a quarter; "tháng 5/2021" already says tháng
    head = "" if before in {"tháng", "quý"} else "tháng "
    said = read_number(month) if before == "quý" else read_month(month)
    return f" {head}{said} năm {read_number(year)} "


def _date(match: re.Match[str]) -> str:
    day, month, year = int(match[1]), int(match[2]), match[3]
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match[0]
    before = word_before(match)
    if year is None and (_is_fraction(match) or _is_round_the_clock(match, before)):
        return f" {_fraction(day, month)} "
    words = [] if before in {"ngày", "mồng", "mùng"} else ["ngày"]
    words.append(read_number(day) if before in {"mồng", "mùng"} else read_day(day))
    words += ["tháng", read_month(month)]
    if year:
        words += ["năm", read_number(int(year))]
    return f" {' '.join(words)} "


def _is_fraction(match: re.Match[str]) -> bool:
    # "khoảng 1/3 diện tích", "17/19 tiêu chí"; but "từ 1/3 xã ..." stays a date
    before = word_before(match)
    if before in _DATE_WORDS or before in _WEEKDAYS:
        return False
    return before in _FRACTION_BEFORE or word_after(match) in _FRACTION_AFTER


def _is_round_the_clock(match: re.Match[str], before: str) -> bool:
    # "trực 24/7" is always on duty; "ngày 24/7" is the 24th of July
    return match[0] == "24/7" and before not in _DATE_WORDS | _WEEKDAYS


def _fraction(numerator: int, denominator: int) -> str:
    # a true fraction is "một phần hai"; a count out of a total is "mười hai trên mười lăm"
    joint = "phần" if numerator < denominator <= 10 else "trên"
    return f"{read_number(numerator)} {joint} {read_number(denominator)}"


def _ratio(match: re.Match[str]) -> str:
    # what cannot be a date: "17/19 tiêu chí", "24/24h"
    said = _fraction(int(match[1]), int(match[2]))
    return f" {said}{' giờ' if match[3] else ''} "


def _month_word(match: re.Match[str]) -> str:
    month = int(match[2])
    if not 1 <= month <= 12 or word_after(match) in _COUNTED:
        return f"{match[1]} {read_number(month)}"
    return f"{match[1]} {read_month(month)}"


def read_weekdays(text: str) -> str:
    """Read ordinals and weekdays (Thứ 2 → Thứ hai, lần thứ 4 → lần thứ tư, CN → chủ nhật)."""
    text = _ORDINAL.sub(_ordinal, text)
    return _SUNDAY.sub(_sunday, text)


def _ordinal(match: re.Match[str]) -> str:
    until = " đến " if match[3] else ""
    return f"{match[1]} {read_ordinal(int(match[2]))}{until}"


def _sunday(match: re.Match[str]) -> str:
    # CN is Sunday next to a weekday or a date; elsewhere it is left to be spelled
    after = match.string[match.end() : match.end() + 12].lstrip(" ,(")
    weekday = re.search(r"(?i:thứ)\s+\w", clause_before(match))
    if weekday or after[:1].isdigit() or after.lower().startswith("ngày"):
        return "chủ nhật"
    return "chủ nhật" if word_before(match) in {"sáng", "chiều", "tối", "trưa", "vào"} else "CN"


def _clock(match: re.Match[str]) -> str:
    hour, minute = int(match[1]), int(match[2] or match[3] or 0)
    if hour > 24 or minute > 59:
        return match[0]
    return f" {read_number(hour)} giờ" + (f" {read_number(minute)} phút " if minute else " ")


def read_times(text: str) -> str:
    """Read clock times: 5h30 → năm giờ ba mươi phút, 17:00 → mười bảy giờ."""
    return _CLOCK.sub(_clock, text)
