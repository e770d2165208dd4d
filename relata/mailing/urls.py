"""Pages of the mailing app: outbox, compose, templates, inbox, mailboxes and sending accounts
(settings), and the public unsubscribe page."""

from django.urls import URLPattern, path

from relata.mailing.views import accounts, compose, inbox, mailboxes, outbox, templates, unsubscribe

app_name = "mailing"
urlpatterns: list[URLPattern] = [
    path("email/", outbox.outbox, name="outbox"),
    path("email/<int:pk>/", outbox.email_detail, name="detail"),
    path("email/<int:pk>/retry/", outbox.email_retry, name="retry"),
    path("email/compose/", compose.compose, name="compose"),
    path("email/compose/template/", compose.compose_template, name="compose_template"),
    path("email/compose/preview/", compose.compose_preview, name="compose_preview"),
    path("email/templates/", templates.template_list, name="templates"),
    path("email/templates/new/", templates.template_form, name="template_create"),
    path("email/templates/<int:pk>/", templates.template_form, name="template_edit"),
    path("email/templates/<int:pk>/delete/", templates.template_delete, name="template_delete"),
    path("email/templates/preview/", templates.template_preview, name="template_preview"),
    path(
        "email/templates/attachments/<int:pk>/delete/",
        templates.template_attachment_delete,
        name="template_attachment_delete",
    ),
    path("email/inbox/", inbox.inbox, name="inbox"),
    path("email/inbox/<int:pk>/", inbox.message_detail, name="inbox_detail"),
    path("email/inbox/<int:pk>/original/", inbox.message_raw, name="inbox_raw"),
    path("email/inbox/<int:pk>/retry/", inbox.message_retry, name="inbox_retry"),
    path(
        "email/inbox/attachments/<int:pk>/",
        inbox.attachment_download,
        name="inbox_attachment",
    ),
    path("settings/mailboxes/", mailboxes.mailbox_list, name="mailboxes"),
    path("settings/mailboxes/new/", mailboxes.mailbox_form, name="mailbox_create"),
    path("settings/mailboxes/<int:pk>/", mailboxes.mailbox_form, name="mailbox_edit"),
    path("settings/mailboxes/<int:pk>/check/", mailboxes.mailbox_check, name="mailbox_check"),
    path("settings/mailboxes/<int:pk>/poll/", mailboxes.mailbox_poll, name="mailbox_poll"),
    path("settings/sending-accounts/", accounts.account_list, name="accounts"),
    path("settings/sending-accounts/new/", accounts.account_form, name="account_create"),
    path("settings/sending-accounts/<int:pk>/", accounts.account_form, name="account_edit"),
    path("settings/sending-accounts/<int:pk>/check/", accounts.account_check, name="account_check"),
    path(
        "settings/sending-accounts/<int:pk>/delete/",
        accounts.account_delete,
        name="account_delete",
    ),
    path("email/unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
]
