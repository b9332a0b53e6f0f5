"""The ambassadors app's URLs, for every role → the status that role gets."""

from ..permissions import LOGIN, matrix_test, row

MATRIX = {
    "ambassadors:index": row(LOGIN, 200, 200, 200, 200),
}

test_permission_matrix = matrix_test(MATRIX)
