"""Models of the mailing app: outbound email (templates, outbox, suppression list).

Inbound mail (mailboxes, received messages) arrives in a module of its own later.
"""

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
    "Suppression",
    "SuppressionReason",
]
