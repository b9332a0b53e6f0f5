"""Where a redirect may lead: a path on this site, never another site."""

from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(url: str) -> bool:
    """A path on this site ("/manage/units/3/"), never another site ("//evil.example", "https://…", "/\\evil")."""
    return (url.startswith("/") and not url.startswith(("//", "/\\"))
            and url_has_allowed_host_and_scheme(url, allowed_hosts=set()))
