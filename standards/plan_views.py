"""Placeholder: being written."""
from django.http import HttpResponse


def plan_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def plan_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def plan_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def plan_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def plan_archive(request, *args, **kwargs):
    return HttpResponse(status=501)


def communication_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def communication_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def communication_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def communication_status(request, *args, **kwargs):
    return HttpResponse(status=501)


def communication_send(request, *args, **kwargs):
    return HttpResponse(status=501)


def communication_recipients_export(request, *args, **kwargs):
    return HttpResponse(status=501)


def calendar(request, *args, **kwargs):
    return HttpResponse(status=501)


def calendar_export(request, *args, **kwargs):
    return HttpResponse(status=501)


def calendar_feed_reset(request, *args, **kwargs):
    return HttpResponse(status=501)


def calendar_feed(request, *args, **kwargs):
    return HttpResponse(status=501)
