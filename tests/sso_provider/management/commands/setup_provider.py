from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from oidc_provider.models import Client, ResponseType, RSAKey

from tests.sso_provider.people import PASSWORD, PEOPLE


class Command(BaseCommand):
    help = "Create the provider's people, its signing key and the cxcoe client."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--secret", required=True)
        parser.add_argument("--redirect-uri", required=True)
        parser.add_argument("--post-logout-redirect-uri", required=True)

    def handle(self, *args, **options):
        if not RSAKey.objects.exists():
            call_command("creatersakey", stdout=self.stdout)
        for username, first, last, email in PEOPLE:
            user, _created = User.objects.get_or_create(username=username, defaults={
                "first_name": first, "last_name": last, "email": email})
            user.set_password(PASSWORD)
            user.save()
        client, _created = Client.objects.update_or_create(client_id=options["client_id"], defaults={
            "name": "cxcoe", "client_type": "confidential", "client_secret": options["secret"],
            "require_consent": False, "reuse_consent": True,
            "_redirect_uris": options["redirect_uri"],
            "_post_logout_redirect_uris": options["post_logout_redirect_uri"],
            "_scope": "openid email profile",
        })
        client.response_types.set(ResponseType.objects.filter(value="code"))
