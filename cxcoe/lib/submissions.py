"""A form sent twice saves one row: create forms carry a one-time token (cxcoe.lib.forms.OnceFormMixin), spent here
in the same transaction as the row it saves.

A view that creates takes `@saves_once`, and wraps its service call in `save_once`:

    @saves_once
    def plan_create(request):
        ...
        plan = save_once(form, by=request.user, save=lambda: create_plan(by=request.user, **form.cleaned_data))

A form sent again with a spent token (the back button and a resend, a second tab) is answered with a redirect to
the row it made, before it is validated again; two sent at once both pass validation, and the second insert of
the token, waiting on the first, rolls the second save back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, TypeVar, cast

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import FormSubmission

if TYPE_CHECKING:
    from .types import HasPage

ONCE_FIELD = "submission_token"
# Long enough for a tab left open over a holiday; old tokens go when new ones are spent.
KEEP_FOR = timedelta(days=30)

Row = TypeVar("Row", bound=models.Model)


class AlreadySaved(Exception):
    def __init__(self, submission: FormSubmission):
        super().__init__(f"form {submission.token} was already saved")
        self.submission = submission


def parse_token(value) -> uuid.UUID | None:
    """The token a form sent, or None for a missing or malformed one (which saves as a form without one)."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def save_once(form, *, by, save: Callable[[], Row]) -> Row:
    """Run `save` (a service call returning the new row) and spend the form's token in the same transaction.

    Raises AlreadySaved when the token was spent meanwhile; `@saves_once` answers it.
    """
    token = form.submission_token
    if token is None:
        return save()
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = FormSubmission.objects.create(token=token, by=by)
        except IntegrityError:
            raise AlreadySaved(FormSubmission.objects.get(token=token)) from None
        row = save()
        submission.target_type = ContentType.objects.get_for_model(row)
        submission.target_id = str(row.pk)
        submission.save(update_fields=["target_type", "target_id"])
        FormSubmission.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return row


def _already_saved(request, submission: FormSubmission):
    messages.info(request, _("This was already saved: here it is."))
    # A form that saves once goes to its row's page afterwards, so the row has one.
    target = cast("HasPage | None", submission.target)
    return redirect(target.get_absolute_url() if target is not None else request.path)


def saves_once(view):
    """For a view that creates through `save_once`: a spent token is answered with the row it saved."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and (token := parse_token(request.POST.get(ONCE_FIELD))):
            submission = FormSubmission.objects.select_related("target_type") \
                .filter(token=token, by=request.user).first()
            if submission is not None:
                return _already_saved(request, submission)
        try:
            return view(request, *args, **kwargs)
        except AlreadySaved as exc:
            return _already_saved(request, exc.submission)

    return wrapper
