"""Numbers in running text: phone numbers, ranges, units, money, percentages, plain numbers."""

import re
from collections.abc import Iterable

from audio_library.tts.context import clause_before, word_before
from audio_library.tts.numbers import read_day, read_decimals, read_digits, read_integer

UNITS = {
    "km2": "ki lô mét vuông", "km²": "ki lô mét vuông", "km": "ki lô mét",
    "m2": "mét vuông", "m²": "mét vuông", "m3": "mét khối", "m³": "mét khối",
    "cm": "xen ti mét", "mm": "mi li mét", "m": "mét", "ha": "héc ta",
    "kg": "ki lô gam", "mg": "mi li gam", "g": "gam", "ml": "mi li lít", "l": "lít",
    "°C": "độ C", "oC": "độ C", "°": "độ", "%": "phần trăm", "kWh": "ki lô oát giờ",
    "kW": "ki lô oát", "MW": "mê ga oát", "kV": "ki lô vôn", "V": "vôn", "W": "oát",
    "đ": "đồng", "VNĐ": "đồng", "VND": "đồng", "vnđ": "đồng", "USD": "đô la mỹ",
}  # fmt: skip
_GLUED_UNITS = {"tr": "triệu", "k": "nghìn"}  # only straight after the digits: 5tr, 50k
_PER = {"h": "giờ", "s": "giây", "ngày": "ngày", "tháng": "tháng", "năm": "năm", "tuần": "tuần"}
_COUNTERS = "đồng|người|lượt|lần|buổi|lít|tấn|tạ|con|cái|chiếc|hộ|suất|khẩu|bao|cây|sào|ca"


def _options(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_UNIT = re.compile(rf"(?<=\d)(?:\s?({_options(UNITS)})|({_options(_GLUED_UNITS)}))(?![\w²³'])")
_RATE = re.compile(
    rf"(?<=\d)\s?({_options(UNITS)}|{_COUNTERS})\s?/\s?({_options(UNITS | _PER)}|{_COUNTERS})"
    r"(?![\w²³])"
)
# "triệu đồng/người/năm": a slash before a unit or a counted thing is "per", said "một";
# "ngày/tháng/năm" is left to be a list
_WORD_RATE = re.compile(
    rf"(?<=[^\W\d_])(?<!ngày)(?<!tháng)(?<!năm)/({_options(UNITS | _PER)}|{_COUNTERS})(?![\w²³])"
)
_PHONE = re.compile(r"(?<![\w.,+])(?:\+84|\(?0)(?:(?:[ .-]|\)\s?)?\d){8,10}(?!\w|[.,]\d)")
_TOLL_FREE = re.compile(r"(?<![\w.,])1[89]00[ .]?\d{3,4}(?:[ .]?\d{2,4})?(?!\w|[.,]\d)")
_HOTLINE = re.compile(r"(?<![\w.,])11[1-5](?!\w|[.,]\d)")
_HOTLINE_CUE = re.compile(
    r"(?i)gọi|đường dây nóng|hotline|tổng đài|quay số|bấm số|khẩn cấp|cấp cứu|cứu hỏa"
    r"|cứu nạn|liên hệ|báo ngay|báo tin|điện thoại"
)
_RANGE = re.compile(r"(?<![\w.,/:'’%°²³])(\d(?:[\w.,/:'’%°²³]*[\w'’%°²³])?)\s*[-–—]\s*(?=\d)")
_DAY_RANGE = re.compile(r"(?<![\w.,/])(\d{1,2})\s*[-–—]\s*(?=\d{1,2}/\d{1,2}(?!\d))")
_TIMES = re.compile(r"(?<![\w])[x×](?=\d)|(?<=\d)\s?[x×]\s?(?=\d)")
_BELOW_ZERO = re.compile(r"(?<![\w.,])[-−–](?=\d+(?:,\d+)?\s?(?:°|oC\b|độ\b))")
_SPACED_MONEY = re.compile(r"(?<![\d.,])(?<!\d )\d{1,3}(?: \d{3})+(?= ?(?:đồng|đô la)\b)")
_NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3}){2,})(?![\d,])"  # 1,500,000: a decimal has one comma
    r"|(?<![\d.,])(\d{1,3}(?:\.\d{3})+)(?!\d|\.\d)(?:,(\d+))?"  # 1.500.000 and 1.234,5
    r"|(\d+(?:\.\d+)+)"  # 1.2 section numbers
    r"|(\d+)(?:,(\d+))?"  # 15 and 2,5
)


def read_phone_numbers(text: str) -> str:
    """Read phone numbers digit by digit, a comma between groups; hotlines 111-115 too."""
    text = _PHONE.sub(_phone, text)
    text = _TOLL_FREE.sub(lambda m: f" {_groups(m[0])} ", text)
    return _HOTLINE.sub(_hotline, text)


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match[0])
    national = digits[2:] if match[0].startswith("+") else digits[1:]
    if len(national) not in (9, 10):
        return match[0]
    said = _groups(match[0].removeprefix("+84"))
    return f" cộng tám bốn, {said} " if match[0].startswith("+") else f" {said} "


def _groups(number: str) -> str:
    groups = re.findall(r"\d+", number)
    if len(groups) == 1:
        # unseparated: 0912 345 678 for mobiles, 0261 3544 123 for landlines
        digits = groups[0]
        cuts = [0, 4, len(digits) - 3] if len(digits) > 7 else [0, len(digits) - 3]
        groups = [digits[a:b] for a, b in zip(cuts, [*cuts[1:], len(digits)], strict=True)]
    return ", ".join(read_digits(g) for g in groups if g)


def _hotline(match: re.Match[str]) -> str:
    if _HOTLINE_CUE.search(clause_before(match)):
        return f" {read_digits(match[0])} "
    return match[0]


def read_ranges(text: str) -> str:
    """Read a dash between two numbers as "đến": 50-100mm, từ 3-5 ngày, 20-25/9, 7h-11h."""
    text = _DAY_RANGE.sub(_day_range, _BELOW_ZERO.sub("âm ", text))
    return _RANGE.sub(r"\1 đến ", text)


def _day_range(match: re.Match[str]) -> str:
    day = int(match[1])
    if not 1 <= day <= 31:
        return match[0]
    head = "" if word_before(match) in {"ngày", "mồng", "mùng"} else "ngày "
    return f" {head}{read_day(day)} đến "


def read_units(text: str) -> str:
    """Say units, rates, money, percentages and multiplication after numbers."""
    text = _RATE.sub(lambda m: f" {_unit(m[1])} một {_unit(m[2])}", text)
    text = _WORD_RATE.sub(lambda m: f" một {_unit(m[1])}", text)
    text = _UNIT.sub(lambda m: f" {_unit(m[1] or m[2])}", text)
    return _TIMES.sub(" nhân ", text)


def _unit(symbol: str) -> str:
    return UNITS.get(symbol) or _GLUED_UNITS.get(symbol) or _PER.get(symbol) or symbol


def read_numbers(text: str) -> str:
    """Read every number left: thousands with dots (or spaces before money), decimal comma."""
    text = _SPACED_MONEY.sub(lambda m: m[0].replace(" ", "."), text)
    return _NUMBER.sub(_number, text)


def _number(match: re.Match[str]) -> str:
    english, grouped, grouped_decimals, dotted, plain, decimals = match.groups()
    if english:
        said = read_integer(english.replace(",", ""))
    elif grouped:
        said = read_integer(grouped.replace(".", "")) + _decimals(grouped_decimals)
    elif dotted:
        said = " chấm ".join(read_integer(part) for part in dotted.split("."))
    else:
        said = read_integer(plain) + _decimals(decimals)
    return f" {said} "


def _decimals(digits: str | None) -> str:
    return f" phẩy {read_decimals(digits)}" if digits else ""
