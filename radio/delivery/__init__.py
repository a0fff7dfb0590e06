"""Delivery to stations: the download formats of a station-day's playlist."""
