"""The library app's URLs, for every role → the status that role gets.

"resource" is published for Sales and Support (the leader's and the employee's units; the other leader's Operations
is outside its audience) and owned by CoE staff; "draft_resource" is a draft only its owner and CoE staff see.
"""

from ..permissions import LOGIN, matrix_test, row

RESOURCE = {"args": lambda o: [o["resource"].pk]}
DRAFT = {"args": lambda o: [o["draft_resource"].pk]}
FILE = {"args": lambda o: [o["file_resource"].pk]}

MATRIX = {
    "library:resource-list": row(LOGIN, 200, 200, 200, 200),
    "library:resource-export": row(LOGIN, 200, 200, 200, 200),
    "library:resource-create": row(LOGIN, 403, 403, 403, 200),
    # Anyone may open their review queue: it lists what they own, which may be nothing.
    "library:my-reviews": row(LOGIN, 200, 200, 200, 200),
    "library:my-reviews-bulk": row(LOGIN, 200, 200, 200, 200, method="post"),
    "library:freshness": row(LOGIN, 403, 403, 403, 200),
    "library:resource-detail": row(LOGIN, 200, 200, 404, 200, **RESOURCE),
    "library:resource-edit": row(LOGIN, 403, 403, 404, 200, **RESOURCE),
    "library:resource-publish": row(LOGIN, 404, 404, 404, 302, method="post", **DRAFT),
    "library:resource-archive": row(LOGIN, 403, 403, 404, 200, **RESOURCE),
    "library:resource-restore": row(LOGIN, 403, 403, 404, 403, method="post", **RESOURCE),
    "library:resource-review": row(LOGIN, 403, 403, 404, 200, method="post", **RESOURCE),
    "library:revision-compare": row(LOGIN, 200, 200, 404, 200, **RESOURCE),
    "library:revision-detail": row(LOGIN, 200, 200, 404, 200, args=lambda o: [o["resource"].pk, 1]),
    # "file_resource" is a PDF published like "resource"; its revision 1 keeps the same file.
    "library:resource-download": row(LOGIN, 200, 200, 404, 200, **FILE),
    "library:revision-download": row(LOGIN, 200, 200, 404, 200, args=lambda o: [o["file_resource"].pk, 1]),
    # Content requests: CoE staff see the queue, everyone else the requests they made or deliver.
    "library:request-list": row(LOGIN, 200, 200, 200, 200, needs=["content_request"]),
    "library:request-export": row(LOGIN, 200, 200, 200, 200, needs=["content_request"]),
    "library:request-create": row(LOGIN, 200, 200, 200, 200),
    # The employee's own request: she and CoE staff open it; for anyone else it does not exist.
    "library:request-detail": row(LOGIN, 200, 404, 404, 200, args=lambda o: [o["content_request"].pk]),
    # Triage is CoE staff's (sent empty, the form comes back with its errors); the one who asked sees, may not act.
    "library:request-accept": row(LOGIN, 403, 404, 404, 200, args=lambda o: [o["content_request"].pk],
                                  method="post"),
    "library:request-decline": row(LOGIN, 403, 404, 404, 200, args=lambda o: [o["content_request"].pk],
                                   method="post"),
    "library:request-merge": row(LOGIN, 403, 404, 404, 200, args=lambda o: [o["content_request"].pk],
                                 method="post"),
    "library:request-assign": row(LOGIN, 403, 404, 404, 200, args=lambda o: [o["content_request"].pk],
                                  method="post"),
    # Delivering: CoE staff and the request's owner (it has none yet, so not the one who asked).
    "library:request-deliver": row(LOGIN, 403, 404, 404, 200, args=lambda o: [o["content_request"].pk],
                                   method="post"),
}

test_permission_matrix = matrix_test(MATRIX)
