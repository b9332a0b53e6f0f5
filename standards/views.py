"""Placeholder: being written."""
from django.http import HttpResponse


def standard_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def standard_export(request, *args, **kwargs):
    return HttpResponse(status=501)


def standard_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def approval_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def standard_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def standard_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def draft_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def standard_revise(request, *args, **kwargs):
    return HttpResponse(status=501)


def draft_submit(request, *args, **kwargs):
    return HttpResponse(status=501)


def draft_recall(request, *args, **kwargs):
    return HttpResponse(status=501)


def version_approve(request, *args, **kwargs):
    return HttpResponse(status=501)


def version_send_back(request, *args, **kwargs):
    return HttpResponse(status=501)


def standard_retire(request, *args, **kwargs):
    return HttpResponse(status=501)


def standard_review(request, *args, **kwargs):
    return HttpResponse(status=501)


def standard_acknowledge(request, *args, **kwargs):
    return HttpResponse(status=501)


def version_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def version_compare(request, *args, **kwargs):
    return HttpResponse(status=501)


def progress_pending(request, *args, **kwargs):
    return HttpResponse(status=501)
