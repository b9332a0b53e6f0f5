# The year-first style (ISO 8601, as Canada's standard writes dates): "2026-11-22" and "2026-11-22 16:05".
from ..en.formats import ANY_STYLE

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
DATE_INPUT_FORMATS = ["%Y-%m-%d", *ANY_STYLE]
