"""Steps that tests in several modules take."""

import csv
import io


def csv_rows(response) -> list[list[str]]:
    """A streamed CSV export, read into its rows."""
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def csv_lines(response) -> list[str]:
    """A streamed CSV export, as its lines of text."""
    return b"".join(response.streaming_content).decode().splitlines()
