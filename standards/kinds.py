"""The names of the standards app's notification kinds, defined once. The kinds themselves (what their messages
say, when a reminder is still due) are registered by standards/sweeps.py when the app is ready."""

APPROVAL_REQUESTED = "standard.approval"
DECISION = "standard.decision"
ACK_DUE = "standard.acknowledgement"
ACK_ESCALATION = "standard.acknowledgement.escalation"
# A sent communication: its ledger rows are the record of who it reached.
COMMUNICATION = "communication"
COMMUNICATION_NOT_READY = "communication.not_ready"
