"""Slot names, in one place for every flow (they must match domain.yml)."""

from __future__ import annotations

# The application form's answers.
MERCHANT_NO = "merchant_no"
TERMINAL_SN = "terminal_sn"
PHONE = "phone"
REASON = "reason"
REASON_DETAIL = "reason_detail"
BALANCE_CLEARED = "balance_cleared"
PROCEED_WITH_BALANCE = "proceed_with_balance"  # asked only when the balance is not cleared
APPLICATION_ANSWERS = (MERCHANT_NO, TERMINAL_SN, PHONE, REASON, REASON_DETAIL, BALANCE_CLEARED, PROCEED_WITH_BALANCE)
APPLICATION_OUTCOME = "application_outcome"  # why the form ended early
APPLICATION_ID = "application_id"  # one per summary: a replayed confirmation reuses it

# Status queries and withdrawals.
TICKET_NO = "ticket_no"
OWNERSHIP_PROOF = "ownership_proof"  # the phone given as proof; holds "verified", never the number
ACCESS_OUTCOME = "access_outcome"

# Shared by both forms and the handoff.
REQUESTED_SLOT = "requested_slot"
INVALID_ATTEMPTS = "invalid_attempts"
# Featurised: a yes/no only confirms while a summary or a withdrawal question is waiting.
AWAITING_CONFIRMATION = "awaiting_confirmation"
# Tickets this conversation applied for or proved it owns in this session; only actions set it.
OWNED_TICKETS = "owned_tickets"

APPLICATION_SLOTS = (*APPLICATION_ANSWERS, APPLICATION_OUTCOME, INVALID_ATTEMPTS, APPLICATION_ID, AWAITING_CONFIRMATION)
ACCESS_SLOTS = (TICKET_NO, OWNERSHIP_PROOF, ACCESS_OUTCOME, INVALID_ATTEMPTS, AWAITING_CONFIRMATION)
