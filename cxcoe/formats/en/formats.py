# The day-first style, and the default: "22 Nov 2026" and "22 Nov 2026, 16:05" (24-hour, no ambiguity). Each
# person picks a style on their profile (cxcoe.models.DateStyle); en_US and en_CA hold the other two.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
# What a date box accepts, in every style: the way the style writes a date first, then the other styles' ways,
# the month in full, and ISO (what a browser or a script sends). None of them is all numbers with the day and
# month in either order, so a date typed in any style reads the same. cxcoe.lib.forms.DayInput shows a date in
# the first one.
ANY_STYLE = ["%d %b %Y", "%b %d, %Y", "%Y-%m-%d", "%d %B %Y", "%B %d, %Y"]
DATE_INPUT_FORMATS = ANY_STYLE
