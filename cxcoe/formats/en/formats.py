# One way to write dates across cxcoe: "22 Nov 2026" and "22 Nov 2026, 16:05" (24-hour, no ambiguity).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
# What a date box accepts: the way the app writes a date, the month in full, and ISO (what a browser or a script
# sends). cxcoe.lib.forms.DayInput shows a date the first way.
DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d"]
