from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.urls import reverse

from . import sso


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts come from the people import or an invitation, not from self sign-up.
        return settings.CXCOE_SIGNUP_OPEN

    def get_reauthentication_methods(self, user) -> list[dict]:
        # allauth re-authenticates by password, code or authenticator only; a person who has only ever
        # used single sign-on has none of them until they set up two-factor. The provider stands in.
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and (method := sso.reauthentication_method(self.request, user)):
            # First when there is no password, so allauth sends the person straight there.
            methods = [*methods, method] if user.has_usable_password() else [method, *methods]
        return methods

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        required = super().is_reauthentication_required(app=app, **kwargs)
        return required and not sso.did_recently_reauthenticate(self.request)

    def get_logout_redirect_url(self, request) -> str:
        # Signing out of cxcoe leaves the provider's session open; the sign-in page offers to end it too.
        url = super().get_logout_redirect_url(request)
        if request.user.is_authenticated and sso.signed_in_by_sso(request, request.user):
            return f"{reverse('account_login')}?signed_out=sso"
        return url


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Single sign-on connects to an imported account by email; it never creates one.
        return settings.CXCOE_SIGNUP_OPEN

    def pre_social_login(self, request, sociallogin) -> None:
        # Before allauth links the provider's account or signs anyone in: refused attempts change nothing.
        sso.check_sign_in(request, sociallogin, signup_open=settings.CXCOE_SIGNUP_OPEN)
