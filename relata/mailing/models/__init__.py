"""Models of the mailing app: outbound email (templates, outbox, suppression list), sending
accounts, and inbound mail (mailboxes, received messages).
"""

from relata.mailing.models.accounts import SenderAssignment, SendingAccount, SmtpSecurity
from relata.mailing.models.inbound import InboundAttachment, InboundMessage, InboundStatus, Mailbox  # noqa: F401
from relata.mailing.models.outbound import (
    EmailAttachment,
    EmailStatus,
    EmailTemplate,
    Language,
    OutgoingEmail,
    Purpose,
    Suppression,
    SuppressionReason,
)

__all__ = [
    "EmailAttachment",
    "EmailStatus",
    "EmailTemplate",
    "Language",
    "OutgoingEmail",
    "Purpose",
    "SenderAssignment",
    "SendingAccount",
    "SmtpSecurity",
    "Suppression",
    "SuppressionReason",
]
