"""Named people for tests (STYLE.md): olivia runs the CoE, leo leads Sales, amir and bianca are in
Sales and Support, eve is an employee in Support, and una leads Operations (another leader's BU)."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone, translation

from cxcoe import celery_app

from .factories import BusinessUnitFactory, UserFactory
from .permissions import LazyObjects


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache():
    # Most tests run tasks in-process; tests that need a real worker start one themselves.
    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site_locale():
    # A request leaves its reader's time zone and date style active on the thread until the next request, as
    # Django does with the language; a test after it starts from the site's own.
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def acme(db):
    return BusinessUnitFactory(code="ACME", name="Acme")


@pytest.fixture
def sales(acme):
    return BusinessUnitFactory(code="SAL", name="Sales", parent=acme)


@pytest.fixture
def enterprise_sales(sales):
    return BusinessUnitFactory(code="SAL-01", name="Enterprise Sales", parent=sales)


@pytest.fixture
def support(acme):
    return BusinessUnitFactory(code="SUP", name="Customer Support", parent=acme)


@pytest.fixture
def operations(acme):
    return BusinessUnitFactory(code="OPS", name="Operations", parent=acme)


@pytest.fixture
def olivia(acme):
    return UserFactory(email="olivia@acme.example", display_name="Olivia Hart", business_unit=acme,
                       job_title="CX Program Lead", coe_staff=True)


@pytest.fixture
def leo(sales):
    return UserFactory(email="leo@acme.example", display_name="Leo Marsh", business_unit=sales,
                       job_title="VP Sales", leads=[sales])


@pytest.fixture
def una(operations):
    return UserFactory(email="una@acme.example", display_name="Una Ito", business_unit=operations,
                       job_title="Head of Operations", leads=[operations])


@pytest.fixture
def amir(enterprise_sales):
    return UserFactory(email="amir@acme.example", display_name="Amir Haddad", business_unit=enterprise_sales,
                       job_title="Account Executive")


@pytest.fixture
def bianca(support):
    return UserFactory(email="bianca@acme.example", display_name="Bianca Rossi", business_unit=support,
                       job_title="Support Specialist")


@pytest.fixture
def eve(support):
    return UserFactory(email="eve@acme.example", display_name="Eve Walker", business_unit=support,
                       job_title="Support Specialist")


@pytest.fixture
def people_by_role(olivia, leo, una, eve):
    """One person for each role of the permission matrix (tests/permissions.py); anonymous is None."""
    return {"anonymous": None, "employee": eve, "leader": leo, "other_leader": una, "coe_staff": olivia}


@pytest.fixture
def mail_dir(settings, tmp_path):
    """The embedded mode's mail: each email an .eml file in a folder of the test's own, read by Sent mail."""
    settings.CXCOE_EMBEDDED_MAIL = True
    settings.CXCOE_MAIL_DIR = tmp_path / "mail"
    settings.EMAIL_BACKEND = "cxcoe.notifications.mailbox.EmlFileBackend"
    return settings.CXCOE_MAIL_DIR


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def matrix_objects(mail_dir, media_root, olivia, leo, amir, eve, sales, support) -> LazyObjects:
    """The objects the permission matrix's rows name, each made when first asked for (tests/permissions.py).
    With `mail_dir`: the sent-mail pages read the one email that "sent_mail" keeps there; with `media_root`, the
    library's files are stored in the test's own folder."""
    return LazyObjects(olivia=olivia, leo=leo, amir=amir, eve=eve, sales=sales, support=support)
