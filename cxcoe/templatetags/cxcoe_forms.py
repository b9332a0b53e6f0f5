from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def forms_with_errors(context) -> list:
    """`{% forms_with_errors as refused %}` in partials/_form_errors.html: of the include's `form` and `also` (the
    forms of one <form> element, for one error summary), those sent back with errors. Read from the context, as
    `also` is mostly not given, and a filter's missing argument is an error in Django."""
    return [each for each in (context.get("form"), context.get("also")) if getattr(each, "errors", None)]
