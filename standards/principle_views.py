"""Placeholder: being written."""
from django.http import HttpResponse


def principle_list(request, *args, **kwargs):
    return HttpResponse(status=501)


def principle_create(request, *args, **kwargs):
    return HttpResponse(status=501)


def principle_detail(request, *args, **kwargs):
    return HttpResponse(status=501)


def principle_edit(request, *args, **kwargs):
    return HttpResponse(status=501)


def principle_archive(request, *args, **kwargs):
    return HttpResponse(status=501)


def principle_delete(request, *args, **kwargs):
    return HttpResponse(status=501)


def principle_move(request, *args, **kwargs):
    return HttpResponse(status=501)
