"""Who the test provider knows (username, first and last name, address) and their password there. The
browser test decides who exists, and how, on the cxcoe side."""

PEOPLE = [
    ("olivia", "Olivia", "Hart", "olivia@acme.example"),
    ("leo", "Leo", "Marsh", "leo@acme.example"),
    ("eve", "Eve", "Walker", "eve@acme.example"),
    ("sam", "Sam", "Stranger", "sam@elsewhere.example"),
    # The provider holds amir's address for Uma but never confirmed it (see userinfo.py).
    ("uma", "Uma", "Unverified", "amir@acme.example"),
]
PASSWORD = "provider-pass-2026"
