"""Every name of the dialogue the code says — responses, intents, entities, slots, forms, actions,
policy topics — and the outcomes a turn is counted under.

domain.yml and data/ are where the names are defined; this module is where the code gets them, so
a renamed response fails tests/unit/test_dialogue_names.py instead of silencing the bot. Only names
the code uses are here: rules and stories name many more. Names Rasa itself defines
(`nlu_fallback`, `action_listen`, `requested_slot`…) come from Rasa's and rasa_sdk's constants.

Each class is a namespace of string constants (plain `str`: they go into JSON, SQL and metric
labels as they are).
"""

from __future__ import annotations

from typing import Final, FrozenSet, Tuple


class Intent:
    GREET: Final = "greet"
    DENY: Final = "deny"
    INFORM: Final = "inform"  # an answer to a form's question, not a question
    BOT_CHALLENGE: Final = "bot_challenge"
    OUT_OF_SCOPE: Final = "out_of_scope"  # also Rasa's two-stage fallback's "none of these"
    FAQ: Final = "faq"  # the retrieval intent of every policy question: NLU labels each faq/<topic>
    REQUEST_DEREGISTRATION: Final = "request_deregistration"
    CHECK_TICKET: Final = "check_ticket"
    CANCEL_TICKET: Final = "cancel_ticket"  # withdraw an application, or leave its form
    REQUEST_HUMAN: Final = "request_human"
    COMPLAIN: Final = "complain"
    FEEDBACK_HELPFUL: Final = "feedback_helpful"
    FEEDBACK_UNHELPFUL: Final = "feedback_unhelpful"


# Sent only by the 有帮助 / 没帮助 buttons under a policy answer: never typed, so no NLU examples.
BUTTON_ONLY_INTENTS: FrozenSet[str] = frozenset({Intent.FEEDBACK_HELPFUL, Intent.FEEDBACK_UNHELPFUL})


class Entity:
    # Values found by the spaCy entity ruler (shapes/, chinese_nlp.spacy_pipeline).
    PHONE: Final = "phone"
    MERCHANT_NO: Final = "merchant_no"
    TERMINAL_SN: Final = "terminal_sn"
    TICKET_NO: Final = "ticket_no"
    TOPIC: Final = "topic"  # the policy answer a feedback button rates
    # Another policy question of the same message, in the order asked (chinese_nlp.clauses).
    MORE_QUESTION: Final = "more_question"


class Slot:
    # The application form's answers.
    MERCHANT_NO: Final = "merchant_no"
    TERMINAL_SN: Final = "terminal_sn"
    PHONE: Final = "phone"
    REASON: Final = "reason"
    REASON_DETAIL: Final = "reason_detail"
    BALANCE_CLEARED: Final = "balance_cleared"
    PROCEED_WITH_BALANCE: Final = "proceed_with_balance"  # asked only when the balance is not cleared
    APPLICATION_OUTCOME: Final = "application_outcome"  # why the form ended early
    APPLICATION_ID: Final = "application_id"  # one per summary: a replayed confirmation reuses it

    # Status queries and withdrawals.
    TICKET_NO: Final = "ticket_no"
    OWNERSHIP_PROOF: Final = "ownership_proof"  # the phone given as proof; holds "verified", never the number
    ACCESS_OUTCOME: Final = "access_outcome"

    # Shared by both forms and the handoff.
    INVALID_ATTEMPTS: Final = "invalid_attempts"
    # Featurised: a yes/no only confirms while a summary or a withdrawal question is waiting.
    AWAITING_CONFIRMATION: Final = "awaiting_confirmation"
    # Tickets this conversation applied for or proved it owns in this session; only actions set it.
    OWNED_TICKETS: Final = "owned_tickets"


APPLICATION_ANSWERS: Tuple[str, ...] = (
    Slot.MERCHANT_NO,
    Slot.TERMINAL_SN,
    Slot.PHONE,
    Slot.REASON,
    Slot.REASON_DETAIL,
    Slot.BALANCE_CLEARED,
    Slot.PROCEED_WITH_BALANCE,
)
# What each flow clears when it ends.
APPLICATION_SLOTS: Tuple[str, ...] = (
    *APPLICATION_ANSWERS,
    Slot.APPLICATION_OUTCOME,
    Slot.INVALID_ATTEMPTS,
    Slot.APPLICATION_ID,
    Slot.AWAITING_CONFIRMATION,
)
ACCESS_SLOTS: Tuple[str, ...] = (
    Slot.TICKET_NO,
    Slot.OWNERSHIP_PROOF,
    Slot.ACCESS_OUTCOME,
    Slot.INVALID_ATTEMPTS,
    Slot.AWAITING_CONFIRMATION,
)


class Form:
    DEREGISTRATION: Final = "deregistration_form"


class CustomAction:
    """The action server's actions (each one's `name()`)."""

    # Rasa's default actions, replaced: topic buttons instead of "Did you mean…?", a person after
    # the second miss instead of utter_default.
    DEFAULT_ASK_AFFIRMATION: Final = "action_default_ask_affirmation"
    DEFAULT_FALLBACK: Final = "action_default_fallback"
    HAND_OFF: Final = "action_hand_off"
    ANSWER_MORE_QUESTIONS: Final = "action_answer_more_questions"
    VALIDATE_DEREGISTRATION_FORM: Final = "validate_deregistration_form"
    CONCLUDE_APPLICATION: Final = "action_conclude_application"  # the summary, or why nothing is submitted
    SUBMIT_DEREGISTRATION: Final = "action_submit_deregistration"
    STOP_APPLICATION: Final = "action_stop_application"
    VALIDATE_TICKET_ACCESS_FORM: Final = "validate_ticket_access_form"
    SHOW_TICKET_STATUS: Final = "action_show_ticket_status"
    ASK_WITHDRAW_CONFIRMATION: Final = "action_ask_withdraw_confirmation"
    WITHDRAW_TICKET: Final = "action_withdraw_ticket"
    KEEP_TICKET: Final = "action_keep_ticket"
    STOP_TICKET_ACCESS: Final = "action_stop_ticket_access"


class Response:
    GREET: Final = "utter_greet"  # also the chat page's welcome
    OUT_OF_SCOPE: Final = "utter_out_of_scope"
    # The two-stage fallback: which topic was meant (with buttons), then "say it another way";
    # utter_default is the core fallback (a turn no rule covers).
    ASK_AFFIRMATION: Final = "utter_ask_affirmation"
    ASK_REPHRASE: Final = "utter_ask_rephrase"
    DEFAULT: Final = "utter_default"
    NOT_COVERED: Final = "utter_faq/not_covered"  # the honest "the policy does not say"

    # The application form and what follows it.
    INVALID_MERCHANT_NO: Final = "utter_invalid_merchant_no"
    INVALID_TERMINAL_SN: Final = "utter_invalid_terminal_sn"
    INVALID_PHONE: Final = "utter_invalid_phone"
    INVALID_YES_NO: Final = "utter_invalid_yes_no"
    NO_CARD_NUMBERS: Final = "utter_no_card_numbers"
    TOO_MANY_INVALID_ANSWERS: Final = "utter_too_many_invalid_answers"
    TERMINAL_HAS_APPLICATION: Final = "utter_terminal_has_application"
    TRANSFER_BALANCE_FIRST: Final = "utter_transfer_balance_first"
    CORRECTION_NOT_ACCEPTED: Final = "utter_correction_not_accepted"
    APPLICATION_SUMMARY: Final = "utter_application_summary"
    APPLICATION_SUBMITTED: Final = "utter_application_submitted"
    APPLICATION_STOPPED: Final = "utter_application_stopped"
    APPLICATION_STORE_UNAVAILABLE: Final = "utter_application_store_unavailable"  # the answers are kept

    # Status queries and withdrawals.
    TICKET_STORE_UNAVAILABLE: Final = "utter_ticket_store_unavailable"
    INVALID_TICKET_NO: Final = "utter_invalid_ticket_no"
    INVALID_OWNERSHIP_PROOF: Final = "utter_invalid_ownership_proof"
    TOO_MANY_INVALID_ACCESS_ANSWERS: Final = "utter_too_many_invalid_access_answers"
    PROOF_TRIES_EXHAUSTED: Final = "utter_proof_tries_exhausted"  # this client guessed wrong too often
    TICKET_PROTECTED: Final = "utter_ticket_protected"  # the ticket is locked after failed proofs
    TICKET_OR_PHONE_MISMATCH: Final = "utter_ticket_or_phone_mismatch"  # one answer: no probing which exist
    TICKET_STATUS: Final = "utter_ticket_status"
    NEXT_STEP_SUBMITTED: Final = "utter_next_step_submitted"
    NEXT_STEP_IN_REVIEW: Final = "utter_next_step_in_review"
    NEXT_STEP_AWAITING_DEVICE_RETURN: Final = "utter_next_step_awaiting_device_return"
    NEXT_STEP_COMPLETED: Final = "utter_next_step_completed"
    NEXT_STEP_REJECTED: Final = "utter_next_step_rejected"
    NEXT_STEP_WITHDRAWN: Final = "utter_next_step_withdrawn"
    ASK_WITHDRAW_CONFIRMATION: Final = "utter_ask_withdraw_confirmation"
    TICKET_WITHDRAWN: Final = "utter_ticket_withdrawn"
    WITHDRAWAL_KEPT: Final = "utter_withdrawal_kept"
    WITHDRAWAL_REFUSED: Final = "utter_withdrawal_refused"
    TICKET_ACCESS_STOPPED: Final = "utter_ticket_access_stopped"

    # The handoff.
    FALLBACK_HANDOFF: Final = "utter_fallback_handoff"
    HANDOFF_QUEUED: Final = "utter_handoff_queued"
    HANDOFF_NO_AGENT: Final = "utter_handoff_no_agent"
    HANDOFF_UNAVAILABLE: Final = "utter_handoff_unavailable"  # an abandoned call may still have queued the case
    HANDOFF_TOO_OFTEN: Final = "utter_handoff_too_often"
    OFFER_CALLBACK: Final = "utter_offer_callback"  # its button's payload asks for a call back

    ACTION_FAILED: Final = "utter_action_failed"  # the action server's apology when an action raised


# After a turn that said one of these, the web channel looks for the case (and pauses the bot); after
# any other turn no case can have been opened, and it does not look.
MAY_HAVE_QUEUED_A_CASE: FrozenSet[str] = frozenset(
    {Response.HANDOFF_QUEUED, Response.HANDOFF_NO_AGENT, Response.HANDOFF_UNAVAILABLE}
)


class FaqTopic:
    """The policy topics: NLU labels a question `faq/<topic>`, domain.yml answers it with
    `utter_faq/<topic>`, dialogue.topics gives it a button."""

    REASONS: Final = "reasons"
    FROZEN_DEVICE: Final = "frozen_device"
    SHOP_CLOSED: Final = "shop_closed"
    POLICY_AND_FEES: Final = "policy_and_fees"
    PREPARATION: Final = "preparation"
    REQUIRED_DOCUMENTS: Final = "required_documents"
    DEVICE_RETURN: Final = "device_return"
    CONTACT_SUPPORT: Final = "contact_support"
    PROCESS_STEPS: Final = "process_steps"
    APPLICATION_FORM: Final = "application_form"
    REVIEW_TIME: Final = "review_time"
    BALANCE: Final = "balance"
    UNBIND_CARD: Final = "unbind_card"
    REVOKE_AUTHORIZATION: Final = "revoke_authorization"
    CONFIRM_RESULT: Final = "confirm_result"
    PRECAUTIONS: Final = "precautions"
    BACKUP_RECORDS: Final = "backup_records"
    NOTIFY_BANK: Final = "notify_bank"
    SECURITY_CHECK: Final = "security_check"
    POS_TYPES: Final = "pos_types"
    TAKES_EFFECT: Final = "takes_effect"
    STEP_ORDER: Final = "step_order"
    REJECTION: Final = "rejection"
    USE_DURING_REVIEW: Final = "use_during_review"
    OFFICIAL_CHANNELS: Final = "official_channels"
    REOPEN: Final = "reopen"
    MULTIPLE_TERMINALS: Final = "multiple_terminals"


# faq/not_covered is learned and answered like a topic but is none: the honest "the policy does not
# say" is never offered as a button, never rated, never one of several questions heard.
NOT_COVERED: Final = "not_covered"
RESPONSE_PREFIX: Final = "utter_"  # Rasa's rule: the response for label L is utter_L


def faq_label(topic: str) -> str:
    """`faq/<topic>`: how NLU labels a policy question (Rasa's intent_response_key)."""
    return f"{Intent.FAQ}/{topic}"


def response_for(label: str) -> str:
    """The response that answers an intent or a `faq/<topic>` label (`utter_faq/<topic>`)."""
    return RESPONSE_PREFIX + label


POLICY_ANSWER_PREFIX: Final = response_for(faq_label(""))  # "utter_faq/": every policy answer


class TurnOutcome:
    """What became of a merchant message (web/turn_facts.py writes it; tickets/insights.py counts it)."""

    ANSWERED: Final = "answered"  # a policy answer
    NOT_COVERED: Final = "not_covered"  # the honest "the policy does not say"
    ASK_BACK: Final = "ask_back"  # 「您是想问…」 with topic buttons
    FALLBACK: Final = "fallback"  # asked to rephrase, or the core fallback
    NOT_UNDERSTOOD: Final = "not_understood"  # the second miss: handed to a person
    HANDOFF: Final = "handoff"  # asked for a person, or complained
    OUT_OF_SCOPE: Final = "out_of_scope"
    OTHER: Final = "other"  # forms, small talk, status queries…
    TO_AGENT: Final = "to_agent"  # said while a person had the conversation (no NLU)
    HELPFUL: Final = "helpful"  # the 有帮助 button
    UNHELPFUL: Final = "unhelpful"  # the 没帮助 button
