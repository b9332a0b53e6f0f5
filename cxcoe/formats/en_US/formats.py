# The month-first style: "Nov 22, 2026" and "Nov 22, 2026, 4:05 PM".
from ..en.formats import ANY_STYLE

DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y, g:i A"
TIME_FORMAT = "g:i A"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
DATE_INPUT_FORMATS = ["%b %d, %Y", *ANY_STYLE]
