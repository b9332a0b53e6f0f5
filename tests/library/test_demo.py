import io

from django.core.management import call_command
from django.utils import timezone

from library.models import Resource, ResourceRevision


def test_seed_demo_stocks_the_library_once(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo library ready: 37 resources" in out.getvalue()
    count = Resource.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Resource.objects.count() == count
    today = timezone.localdate()
    kinds = set(Resource.objects.values_list("kind", flat=True))
    assert kinds == set(Resource.Kind.values)
    assert Resource.objects.stale(today).count() >= 5
    assert Resource.objects.filter(status=Resource.Status.DRAFT).count() == 3
    assert Resource.objects.filter(status=Resource.Status.ARCHIVED).count() == 1
    assert Resource.objects.published().with_link_changes().filter(links_changed=True).exists()
    assert Resource.objects.suggested_for_archive(today).exists()
    assert ResourceRevision.objects.filter(number=2).exists()
    for resource in Resource.objects.published():
        assert not resource.missing_for_publication(), resource
    file_resource = Resource.objects.get(kind=Resource.Kind.FILE)
    assert file_resource.file.name.startswith("library/")
    assert (tmp_path / file_resource.file.name).exists()
