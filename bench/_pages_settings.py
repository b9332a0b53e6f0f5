"""The settings bench/pages.py serves with: cxcoe's own, plus one bare page to measure against."""

from cxcoe.settings import *  # noqa: F403

ROOT_URLCONF = "_pages_urls"
