"""The core's URLs (people, units, imports, audit, operations, notifications), for every role → the status that
role gets.

The objects the rows name are described in tests/permissions.py.
"""

from ..permissions import LOGIN, matrix_test, row

MATRIX = {
    "home": row(LOGIN, 200, 200, 200, 200),
    "dashboard": row(LOGIN, 403, 200, 200, 200),
    "profile": row(LOGIN, 200, 200, 200, 200),
    # Everyone searches; what each finds is scoped to what they may read (tests/cxcoe/test_search.py).
    "search": row(LOGIN, 200, 200, 200, 200),
    "healthz": row(200, 200, 200, 200, 200),
    # Confirming it's you at the single sign-on provider exists only for people who signed in by it (none here:
    # tests/cxcoe/test_sso.py has the linked person's side).
    "sso-reauthenticate": row(LOGIN, 404, 404, 404, 404),
    # Load balancers probe readiness without signing in; the objects below include a worker that just reported in.
    "readyz": row(200, 200, 200, 200, 200, needs=["heartbeat"]),
    "person-list": row(LOGIN, 403, 403, 403, 200),
    "person-export": row(LOGIN, 403, 403, 403, 200),
    # The person pickers' search: the directory is CoE staff's to browse (cxcoe.permissions.can_look_up_people).
    "person-lookup": row(LOGIN, 403, 403, 403, 200),
    "person-detail": row(LOGIN, 404, 200, 404, 200, args=lambda o: [o["amir"].pk]),
    "person-edit": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["amir"].pk]),
    "person-deactivate": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["amir"].pk]),
    "person-reactivate": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["amir"].pk], method="post"),
    "unit-list": row(LOGIN, 403, 403, 403, 200),
    "unit-export": row(LOGIN, 403, 403, 403, 200),
    "unit-create": row(LOGIN, 403, 403, 403, 200),
    "unit-detail": row(LOGIN, 404, 200, 404, 200, args=lambda o: [o["amir"].business_unit_id]),
    "unit-edit": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["amir"].business_unit_id]),
    # Leaders see the units below them, but only the review owner (or CoE staff) records a review.
    "unit-review": row(LOGIN, 404, 403, 404, 200, args=lambda o: [o["amir"].business_unit_id], method="post"),
    "import-list": row(LOGIN, 403, 403, 403, 200),
    "import-detail": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["job"].pk]),
    "import-apply": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["job"].pk], method="post"),
    "import-cancel": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["job"].pk], method="post"),
    "audit-list": row(LOGIN, 403, 403, 403, 200),
    "audit-export": row(LOGIN, 403, 403, 403, 200),
    "operations": row(LOGIN, 403, 403, 403, 200),
    "operations-export": row(LOGIN, 403, 403, 403, 200),
    "operations-run-sweep": row(LOGIN, 403, 403, 403, 302, args=lambda o: ["reviews"], method="post"),
    "operations-retry": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["failed_reminder"].pk], method="post"),
    # The mail the embedded mode kept instead of sending (the tests run in that mode; elsewhere these are 404).
    "sent-mail-list": row(LOGIN, 403, 403, 403, 200),
    "sent-mail-detail": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["sent_mail"]]),
    "sent-mail-html": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["sent_mail"]]),
    # Anyone signed in may own what has Markdown in it (a plan, a communication, a standard), so anyone previews it.
    "markdown-preview": row(LOGIN, 200, 200, 200, 200, method="post"),
    # Everyone has an inbox; a notification is its recipient's alone (the leader's here), others get 404.
    "notification-list": row(LOGIN, 200, 200, 200, 200),
    "notification-preferences": row(LOGIN, 200, 200, 200, 200),
    "notification-read-all": row(LOGIN, 302, 302, 302, 302, method="post"),
    "notification-open": row(LOGIN, 404, 302, 404, 404, args=lambda o: [o["notification"].pk]),
    "notification-read": row(LOGIN, 404, 302, 404, 404, args=lambda o: [o["notification"].pk], method="post"),
}

test_permission_matrix = matrix_test(MATRIX)
