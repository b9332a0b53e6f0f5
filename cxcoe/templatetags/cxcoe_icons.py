from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def icon(name: str, label: str = ""):
    """`{% icon "download" %}`: an icon of the sprite that bin/icons builds, beside words that say the same, so
    hidden from screen readers; with `label`, an icon that stands alone and says `label`."""
    use = format_html('<use href="{}#{}"></use>', static("vendor/bootstrap-icons/icons.svg"), name)
    if label:
        return format_html('<svg class="icon" role="img" aria-label="{}">{}</svg>', label, use)
    return format_html('<svg class="icon" aria-hidden="true" focusable="false">{}</svg>', use)
