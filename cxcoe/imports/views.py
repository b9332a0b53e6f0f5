"""Import business units and people from CSV: upload, watch the check, read the preview, apply or cancel."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import imports
from ..lib.submissions import save_once, saves_once
from ..lib.types import AuthenticatedRequest
from ..models import ImportJob
from ..permissions import coe_staff_required
from .forms import ImportForm

PAGE_SIZE = 20
# The stored files can be megabytes; pages that do not show them never load them.
LIST_FIELDS = ["pk", "status", "created_at", "finished_at", "units_filename", "people_filename", "deactivate_missing",
               "summary", "error_count", "created_by__display_name", "created_by__email"]


@coe_staff_required
@require_http_methods(["GET", "POST"])
@saves_once
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = save_once(form, by=request.user, save=lambda: imports.start_import(by=request.user, **form.cleaned_data))
        messages.info(request, _("Your files are uploaded. cxcoe is checking them; nothing changes until you apply."))
        return redirect(job)
    jobs = ImportJob.objects.select_related("created_by").only(*LIST_FIELDS)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cxcoe/import_list.html", {"form": form, "page_obj": page, "jobs": page.object_list})


@coe_staff_required
@require_GET
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.select_related("created_by", "applied_by")
                            .defer("units_csv", "people_csv"), pk=pk)
    context = {
        "job": job,
        "progress": imports.read_progress(job) if job.is_running else None,
        "changes": imports.describe_changes(job.summary),
    }
    template = "cxcoe/_import_status.html" if request.htmx else "cxcoe/import_detail.html"
    return render(request, template, context)


@coe_staff_required
@require_POST
def import_apply(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("units_csv", "people_csv"), pk=pk)
    if imports.request_apply(job=job, by=request.user):
        messages.info(request, _("Applying the import. This page shows when it is done."))
    else:
        job.refresh_from_db(fields=["status"])
        messages.warning(request, _("This import is not waiting to be applied any more: %(status)s.")
                         % {"status": job.get_status_display()})
    return redirect(job)


@coe_staff_required
@require_POST
def import_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("units_csv", "people_csv"), pk=pk)
    if imports.cancel_import(job=job, by=request.user):
        messages.success(request, _("Import #%(pk)d is cancelled. Nothing was changed.") % {"pk": job.pk})
        return redirect("import-list")
    job.refresh_from_db(fields=["status"])
    messages.warning(request, _("This import cannot be cancelled now: %(status)s.")
                     % {"status": job.get_status_display()})
    return redirect(job)
