"""Every write to principles, standards, acknowledgements and communication plans, one module per part.

Each function checks what it may do, changes the rows under a lock where one winner must be chosen, and
records an audit event. Views, the admin, the sweeps and `seed_demo` all come through here. Import the
function from its module (`from standards.services.versions import approve_version`): this package
re-exports nothing, so a name says where it lives.
"""
