"""How build reports and scheduling errors read for a Vietnamese planner."""

from radio.schedule_messages import describe_error, describe_report
from scheduler.errors import ScheduleError


def test_a_quota_shortfall_says_how_far_it_fell_short(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        minutes = describe_report({"kind": "quota_shortfall", "quota_id": 2, "seconds": 85.7})
        plays = describe_report({"kind": "quota_shortfall", "segments": {"4": 1, "9": 2}})
    assert minutes == (
        "Chưa đạt một chỉ tiêu của chiến dịch trong tuần này: còn thiếu 1,4 phút cho chủ đề."
    )
    assert plays == (
        "Chưa đạt một chỉ tiêu của chiến dịch trong tuần này: 2 bản tin chưa đủ số lần phát."
    )


def test_an_error_names_the_station_and_the_quiet_hours(app):
    error = ScheduleError(
        "quiet_hours", station="67-24646", quiet_from="21:00", quiet_until="06:00"
    )
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        text = describe_error(error)
    assert text == (
        "Tại đài 67-24646, buổi phát rơi vào giờ yên tĩnh (21:00–06:00); "
        "khi đó chỉ được phát tin khẩn cấp."
    )
