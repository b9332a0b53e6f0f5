"""The names of the library's notification kinds, defined once; library/sweeps.py registers the kinds themselves."""

# A linked standard published a new version, or a linked principle changed: the owner checks the resource.
LINKED_CHANGED = "library.linked_changed"
OWNER_ASSIGNED = "library.owner_assigned"
# Each step of a content request, told to the person who asked (and to its owner when it is assigned).
REQUEST_UPDATE = "library.request"
