# Placeholder until the import views land.
from django.http import Http404


def import_list(request):
    raise Http404


def import_detail(request, pk):
    raise Http404


def import_apply(request, pk):
    raise Http404


def import_cancel(request, pk):
    raise Http404
