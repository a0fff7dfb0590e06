"""Vietnamese number words: cardinals, digit strings, decimals, ordinals, days, months, Roman."""

import re

# The word for a zero tens digit (105 → một trăm linh năm). The South says "lẻ"; it is read
# at call time, so assigning "lẻ" here switches every later reading.
ZERO_TENS = "linh"

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ((10**9, "tỷ"), (10**6, "triệu"), (10**3, "nghìn"))
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def read_number(n: int, zero_tens: str | None = None) -> str:
    """Return the Vietnamese words of an integer (2021 → hai nghìn không trăm hai mươi mốt)."""
    if n < 0:
        return "âm " + read_number(-n, zero_tens)
    if n == 0:
        return DIGITS[0]
    return " ".join(_groups(n, zero_tens or ZERO_TENS, full=False))


def _groups(n: int, zero_tens: str, full: bool) -> list[str]:
    # `full`: a higher group was already said, so an empty hundred is said too (không trăm)
    for scale, name in _SCALES:
        if n >= scale:
            high, low = divmod(n, scale)
            words = [*_groups(high, zero_tens, full), name]
            return words + _groups(low, zero_tens, True) if low else words
    return _hundreds(n, zero_tens, full)


def _hundreds(n: int, zero_tens: str, full: bool) -> list[str]:
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words = [DIGITS[hundreds], "trăm"] if hundreds or full else []
    if tens == 0:
        if units:
            words += [zero_tens, DIGITS[units]] if words else [DIGITS[units]]
    elif tens == 1:
        words += ["mười"] + (["lăm" if units == 5 else DIGITS[units]] if units else [])
    else:
        words += [DIGITS[tens], "mươi"] + ([_after_tens(units)] if units else [])
    return words


def _after_tens(units: int) -> str:
    # after "mươi", 1 is mốt, 4 is tư and 5 is lăm (hai mươi mốt, hai mươi tư, hai mươi lăm)
    return {1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS[units])


def read_digits(digits: str) -> str:
    """Read a digit string one digit at a time (113 → một một ba)."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def read_integer(digits: str) -> str:
    """Read a written integer: codes with a leading zero and very long runs digit by digit."""
    if (len(digits) >= 3 and digits.startswith("0")) or len(digits) > 15:
        return read_digits(digits)
    return read_number(int(digits))


def read_decimals(digits: str) -> str:
    """Read what follows the decimal comma (25 → hai mươi lăm, 05 → không năm)."""
    if len(digits) > 3:
        return read_digits(digits)
    rest = digits.lstrip("0")
    zeros = [DIGITS[0]] * (len(digits) - len(rest))
    return " ".join(zeros + ([read_number(int(rest))] if rest else []))


def read_ordinal(n: int) -> str:
    """Return the word after "thứ": nhất, hai, ba, tư, năm …"""
    return {1: "nhất", 4: "tư"}.get(n) or read_number(n)


def read_month(n: int) -> str:
    """Return the word after "tháng": April is tháng tư, never tháng bốn."""
    return "tư" if n == 4 else read_number(n)


def read_day(n: int) -> str:
    """Return the words after "ngày": days 1 to 10 take mồng (mồng một … mồng mười)."""
    return f"mồng {read_number(n)}" if 1 <= n <= 10 else read_number(n)


def roman_value(text: str) -> int | None:
    """Return the value of a well-formed Roman numeral (XIII → 13), else None."""
    if not text or not _ROMAN.fullmatch(text):
        return None
    total = 0
    for here, after in zip(text, [*text[1:], ""], strict=True):
        value = _ROMAN_VALUES[here]
        total += -value if after and _ROMAN_VALUES[after] > value else value
    return total
