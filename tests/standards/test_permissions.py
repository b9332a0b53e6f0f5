"""The standards app's URLs (standards, versions, principles, plans, the calendar), for every role → the status
that role gets.

The objects the rows name are described in tests/permissions.py.
"""

from ..permissions import LOGIN, matrix_test, row

MATRIX = {
    "standards:standard-list": row(LOGIN, 200, 200, 200, 200),
    "standards:standard-export": row(LOGIN, 200, 200, 200, 200),
    "standards:standard-create": row(LOGIN, 403, 403, 403, 200),
    "standards:approval-list": row(LOGIN, 200, 200, 200, 200),
    # Everyone sees the requests asked of them; leaders also their units', CoE staff everyone's.
    "standards:acknowledgement-list": row(LOGIN, 200, 200, 200, 200),
    "standards:standard-detail": row(LOGIN, 200, 200, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:standard-edit": row(LOGIN, 403, 403, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:draft-edit": row(LOGIN, 404, 403, 404, 302, args=lambda o: [o["submitted"].pk]),
    "standards:standard-revise": row(LOGIN, 403, 403, 404, 302, args=lambda o: [o["standard"].pk], method="post"),
    "standards:draft-submit": row(LOGIN, 404, 403, 404, 302, args=lambda o: [o["submitted"].pk], method="post"),
    "standards:draft-recall": row(LOGIN, 404, 403, 404, 302, args=lambda o: [o["submitted"].pk], method="post"),
    # Only the named approver decides: CoE staff see the version but are not its approver.
    "standards:version-approve": row(LOGIN, 404, 302, 404, 403, args=lambda o: [o["submitted"].pk], method="post"),
    "standards:version-send-back": row(LOGIN, 404, 200, 404, 403, args=lambda o: [o["submitted"].pk],
                                       method="post"),
    "standards:standard-retire": row(LOGIN, 403, 403, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:standard-review": row(LOGIN, 403, 403, 404, 200, args=lambda o: [o["standard"].pk], method="post"),
    "standards:standard-acknowledge": row(LOGIN, 302, 302, 404, 302, args=lambda o: [o["standard"].pk],
                                          method="post"),
    "standards:version-detail": row(LOGIN, 200, 200, 404, 200, args=lambda o: [o["standard"].pk, 1]),
    "standards:version-compare": row(LOGIN, 200, 200, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:progress-pending": row(LOGIN, 404, 200, 404, 200, args=lambda o: [o["standard"].pk, o["sales"].pk]),
    # Reminding a unit's pending people: CoE staff, and the leaders above that unit.
    "standards:progress-remind": row(LOGIN, 404, 302, 404, 302, args=lambda o: [o["standard"].pk, o["sales"].pk],
                                     method="post"),
    # Evidence of who acknowledged what: CoE staff for everyone, leaders for their own units.
    "standards:acknowledgement-export": row(LOGIN, 404, 200, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:principle-list": row(LOGIN, 200, 200, 200, 200),
    "standards:principle-create": row(LOGIN, 403, 403, 403, 200),
    "standards:principle-detail": row(LOGIN, 200, 200, 200, 200, args=lambda o: [o["principle"].pk]),
    "standards:principle-edit": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["principle"].pk]),
    "standards:principle-archive": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["principle"].pk], method="post"),
    "standards:principle-delete": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["principle"].pk]),
    "standards:principle-move": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["principle"].pk], method="post"),
    "standards:plan-list": row(LOGIN, 200, 200, 200, 200),
    "standards:plan-create": row(LOGIN, 403, 403, 403, 200),
    "standards:plan-detail": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["plan"].pk]),
    "standards:plan-edit": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["plan"].pk]),
    "standards:plan-archive": row(LOGIN, 404, 404, 404, 302, args=lambda o: [o["plan"].pk], method="post"),
    "standards:communication-create": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["plan"].pk]),
    "standards:communication-detail": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["communication"].pk]),
    "standards:communication-edit": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["communication"].pk]),
    "standards:communication-status": row(LOGIN, 404, 404, 404, 302, args=lambda o: [o["communication"].pk],
                                          method="post"),
    "standards:communication-send": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["communication"].pk]),
    "standards:communication-recipients-export": row(LOGIN, 404, 404, 404, 200,
                                                     args=lambda o: [o["communication"].pk]),
    "standards:calendar": row(LOGIN, 200, 200, 200, 200),
    "standards:calendar-export": row(LOGIN, 200, 200, 200, 200),
    # Everyone may ask for their own private calendar address, and reset it. Issuing one is no "-create" page
    # (cxcoe/lib/submissions.py): there is one address a person at most, so sending twice gives the same one.
    "standards:calendar-feed-issue": row(LOGIN, 302, 302, 302, 302, method="post"),
    "standards:calendar-feed-reset": row(LOGIN, 302, 302, 302, 302, method="post"),
    # The private address is the key: calendar apps fetch it without signing in.
    "standards:calendar-feed": row(200, 200, 200, 200, 200, args=lambda o: [o["token"]]),
}

test_permission_matrix = matrix_test(MATRIX)
