# One way to write dates across cxcoe: "22 Nov 2026" and "22 Nov 2026, 16:05" (24-hour, no ambiguity).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
