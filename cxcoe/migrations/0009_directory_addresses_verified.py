"""People already in the directory get the verified address record that the import now writes for new people
(cxcoe.services.verify_directory_address): their address comes from the organization, which vouches for it."""

from django.db import migrations
from django.db.models.functions import Lower


def verify_directory_addresses(apps, schema_editor):
    User = apps.get_model("cxcoe", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.annotate(address=Lower("email")).values_list("user_id", "address"))
    with_primary = set(EmailAddress.objects.filter(primary=True).values_list("user_id", flat=True))
    taken = set(EmailAddress.objects.filter(verified=True).annotate(address=Lower("email"))
                .values_list("address", flat=True))
    rows = [EmailAddress(user_id=pk, email=email, verified=True, primary=pk not in with_primary)
            for pk, email in User.objects.values_list("pk", "email").iterator(chunk_size=5000)
            if (pk, email.lower()) not in known and email.lower() not in taken]
    EmailAddress.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("cxcoe", "0008_form_submission"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(verify_directory_addresses, migrations.RunPython.noop)]
