"""The template sandbox: placeholders, escaping, plain text, and hostile templates."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from relata.actions.models import Action
from relata.entities.models import Contact
from relata.mailing import services
from relata.mailing.models import EmailTemplate, OutgoingEmail
from relata.mailing.placeholders import FIELDS, build_context, sample_context
from relata.mailing.rendering import TemplateRenderError, render_message, validate_template
from relata.mailing.text import html_to_text

HOSTILE = [
    "{{ contact.__class__ }}",
    "{{ contact.save() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ contact.clear() }}",
    "{{ contact.update({'first_name': 'Hacked'}) }}",
    "{% set x = contact.pop('first_name') %}{{ x }}",
    "{{ contact|attr('__class__') }}",
    "{{ '{0.__class__}'.format(contact) }}",
    "{{ self._TemplateReference__context }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ settings.SECRET_KEY }}",
    "{{ request.user }}",
    "{% include '/etc/passwd' %}",
    "{% extends 'base.html' %}",
    "{% import 'x.html' as x %}",
    "{{ 'x' * 1000000000 }}",
    "{{ 2 ** 100000000 }}",
    "{{ (9 ** 99) ** 99 }}",
    "{{ range(100000000)|list }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{{ contact.first_name }",
    "{{ 1 / 0 }}",
]


def _snapshot() -> tuple:
    return (
        OutgoingEmail.objects.count(),
        Action.objects.count(),
        EmailTemplate.objects.count(),
        sorted(Contact.objects.values_list("first_name", "email_opt_in")),
    )


def test_placeholders_are_filled_and_html_escaped(entity, make_contact, agent):
    contact = make_contact("<b>Ana</b>", "ana@example.com")
    context = build_context(entity=entity, contact=contact, email="ana@example.com", sender=agent)
    rendered = render_message(
        subject="Hi {{ contact.first_name }} at {{ entity.name }}",
        body_html="<p>Hi {{ contact.first_name }}, {{ sender.name }}</p>",
        context=context,
    )
    assert rendered.subject == "Hi <b>Ana</b> at Acme Trading SL"  # a subject is not HTML
    assert "&lt;b&gt;Ana&lt;/b&gt;" in rendered.html
    assert "<b>Ana</b>" not in rendered.html
    assert rendered.text == "Hi <b>Ana</b>, Alex\n"


def test_absent_records_give_empty_strings_and_unknown_keys_fail(entity):
    context = build_context(entity=entity)
    assert set(context["case"]) == set(FIELDS["case"])
    rendered = render_message(
        subject="{% if case.number %}Case {{ case.number }}{% else %}None{% endif %}",
        body_html="x",
        context=context,
    )
    assert rendered.subject == "None"
    with pytest.raises(TemplateRenderError) as error:
        render_message(subject="{{ contact.frist_name }}", body_html="x", context=context)
    assert "frist_name" in error.value.user_message


def test_every_documented_placeholder_renders_against_the_sample():
    parts = [f"{{{{ {group}.{key} }}}}" for group, keys in FIELDS.items() for key in keys]
    source = " ".join(parts) + " {{ unsubscribe_url }} {{ today }}"
    assert validate_template(subject="s", body_html=source, body_text=source) == {}
    assert set(sample_context()) >= set(FIELDS)


def test_plain_text_is_made_from_html():
    html = (
        "<style>p{color:red}</style><h1>Offer</h1><p>Line one<br>line two</p>"
        '<ul><li>First</li><li>Second</li></ul><p><a href="https://x.example/a">See it</a></p>'
    )
    assert html_to_text(html) == (
        "Offer\n\nLine one\nline two\n\n- First\n- Second\n\nSee it (https://x.example/a)\n"
    )


def test_syntax_error_reports_the_line():
    errors = validate_template(subject="ok", body_html="<p>a</p>\n<p>b</p>\n{% if %}")
    assert errors["body_html"].startswith("Line 3:")


def test_runtime_error_reports_the_line():
    errors = validate_template(subject="ok", body_html="a\nb\n{{ contact.nope }}")
    assert errors["body_html"].startswith("Line 3:")


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_template_fails_safely_everywhere(source, admin_user, agent, recipient):
    before = _snapshot()
    assert "body_html" in validate_template(subject="s", body_html=source)
    assert "subject" in validate_template(subject=source, body_html="x")
    with pytest.raises(ValidationError) as error:
        services.template_create(
            user=admin_user,
            data={"name": "Bad", "language": "en", "purpose": "service", "subject": "s",
                  "body_html": source},
        )  # fmt: skip
    assert "body_html" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.email_send(user=agent, contacts=[recipient], subject="s", body_html=source)
    assert "body_html" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.email_send(user=agent, contacts=[recipient], subject="s", body_html="x",
                            body_text=source)  # fmt: skip
    assert _snapshot() == before


def test_sandbox_error_messages_are_for_users():
    errors = validate_template(subject="s", body_html="{{ contact.__class__ }}")
    assert "may not use" in errors["body_html"]
    errors = validate_template(subject="s", body_html="{% include 'x' %}")
    assert "cannot include" in errors["body_html"]


def test_template_update_validates(admin_user, service_template):
    with pytest.raises(ValidationError):
        services.template_update(
            user=admin_user, template=service_template, data={"body_html": "{{ x.__class__ }}"}
        )
    service_template.refresh_from_db()
    assert "__class__" not in service_template.body_html
