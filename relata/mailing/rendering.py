"""Rendering of user-written email templates in a Jinja2 sandbox.

Templates are written by users, so they run in Jinja2's
:class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`:

* the context holds only plain dictionaries of strings (:mod:`relata.mailing.placeholders`),
  never model instances, so there is no ``save()`` or related manager to reach;
* attributes starting with ``_`` (``__class__``, ``__globals__``…) and the methods that
  change a list or dictionary are refused by the sandbox;
* the environment has no globals (no ``range``, ``cycler``, ``lipsum``…), no loader
  (``include``/``extends``/``import`` fail) and no extensions;
* ``*`` and ``**`` are checked so that ``'x' * 10**9`` cannot fill the memory, and the
  rendered text is limited to :data:`MAX_OUTPUT` characters.

Unknown placeholders are errors (:class:`jinja2.StrictUndefined`): a typo such as
``{{ contact.frist_name }}`` is reported when the template is saved, instead of sending
"Dear ," to thousands of people. Every placeholder key exists in every context (a record
that is absent, e.g. no case, gives empty strings), so a valid template renders for every
recipient; ``{% if case.number %}`` tests for an absent record.

Every failure — syntax, security, unknown placeholder, runtime error — raises
:class:`TemplateRenderError` (a ``jinja2.TemplateError``) with a message for the user and,
when known, the line; views show it as a validation message.
"""

from __future__ import annotations

import operator
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OUTPUT = 1_000_000
MAX_REPEAT = 100_000
MAX_EXPONENT = 100
MAX_BITS = 10_000
TEMPLATE_FILENAME = "<template>"


class TemplateRenderError(TemplateError):
    """A template that cannot be compiled or rendered; ``message`` is for the user."""

    def __init__(self, message: str, *, field: str = "", lineno: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.lineno = lineno

    @property
    def user_message(self) -> str:
        text = str(self.message or "")
        if self.lineno:
            return _("Line %(line)d: %(error)s") % {"line": self.lineno, "error": text}
        return text


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with a guard on the operators that can make huge values."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(_("The exponent is too large."))
            if isinstance(left, int) and abs(left).bit_length() * abs(right) > MAX_BITS:
                raise SecurityError(_("The number is too large."))
            return operator.pow(left, right)
        for sequence, count in ((left, right), (right, left)):
            sized = isinstance(sequence, (str, list, tuple)) and isinstance(count, int)
            if sized and len(sequence) * count > MAX_REPEAT:
                raise SecurityError(_("The repeated text is too long."))
        return operator.mul(left, right)


def _environment(*, autoescape: bool) -> _Environment:
    env = _Environment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.globals.clear()
    return env


HTML_ENV = _environment(autoescape=True)
TEXT_ENV = _environment(autoescape=False)


def _template_line(error: BaseException) -> int | None:
    """Return the template line of a runtime error from Jinja2's rewritten traceback."""
    line = getattr(error, "lineno", None)
    if line:
        return int(line)
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename == TEMPLATE_FILENAME and frame.lineno:
            return frame.lineno
    return None


def _user_message(error: BaseException) -> str:
    if isinstance(error, TemplateSyntaxError):
        return _("The template is not written correctly: %(error)s") % {"error": error.message}
    if isinstance(error, SecurityError):
        return _("The template uses something templates may not use: %(error)s") % {
            "error": error.message
        }
    if isinstance(error, UndefinedError):
        return _("Unknown placeholder: %(error)s") % {"error": error.message}
    if isinstance(error, TypeError) and "loader" in str(error):
        return _("Templates cannot include, extend or import other templates.")
    return _("The template could not be rendered: %(error)s") % {"error": str(error)[:200]}


def compile_source(source: str, *, field: str, html: bool = False) -> Template:
    """Compile one template source; raise :class:`TemplateRenderError`."""
    env = HTML_ENV if html else TEXT_ENV
    try:
        return env.from_string(source or "")
    except TemplateSyntaxError as error:
        raise TemplateRenderError(_user_message(error), field=field, lineno=error.lineno) from None
    except Exception as error:  # the sandbox and the parser raise many kinds
        raise TemplateRenderError(_user_message(error), field=field) from None


def render_compiled(template: Template, context: Mapping[str, Any], *, field: str) -> str:
    """Render a compiled template; any failure is a :class:`TemplateRenderError`."""
    try:
        output = template.render(dict(context))
    except RecursionError:
        raise TemplateRenderError(_("The template nests too deeply."), field=field) from None
    except MemoryError:
        raise TemplateRenderError(_("The template makes too much text."), field=field) from None
    except Exception as error:
        raise TemplateRenderError(
            _user_message(error), field=field, lineno=_template_line(error)
        ) from None
    if len(output) > MAX_OUTPUT:
        raise TemplateRenderError(_("The template makes too much text."), field=field)
    return output


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class CompiledMessage:
    """A subject, HTML body and optional text body, compiled once and rendered per
    recipient (a bulk send compiles each template once)."""

    subject: Template
    html: Template
    text: Template | None

    def render(self, context: Mapping[str, Any]) -> RenderedMessage:
        from relata.mailing.text import html_to_text

        subject = render_compiled(self.subject, context, field="subject")
        html = render_compiled(self.html, context, field="body_html")
        if self.text is not None:
            text = render_compiled(self.text, context, field="body_text")
        else:
            text = html_to_text(html)
        # A header cannot hold line breaks; a subject is one line.
        subject = " ".join(subject.split())[:500]
        return RenderedMessage(subject=subject, html=html, text=text)


def compile_message(*, subject: str, body_html: str, body_text: str = "") -> CompiledMessage:
    """Compile the three parts; raise :class:`TemplateRenderError` on the first bad one."""
    return CompiledMessage(
        subject=compile_source(subject, field="subject"),
        html=compile_source(body_html, field="body_html", html=True),
        text=compile_source(body_text, field="body_text") if body_text.strip() else None,
    )


def render_message(
    *, subject: str, body_html: str, body_text: str = "", context: Mapping[str, Any]
) -> RenderedMessage:
    """Compile and render a message in one go (previews, single sends)."""
    return compile_message(subject=subject, body_html=body_html, body_text=body_text).render(
        context
    )


def validate_template(*, subject: str, body_html: str, body_text: str = "") -> dict[str, str]:
    """Return the errors (field → message) of a template rendered against the sample
    context; empty when it is fine. Used when a template is saved and before a send."""
    from relata.mailing.placeholders import sample_context

    errors: dict[str, str] = {}
    parts = [("subject", subject, False), ("body_html", body_html, True)]
    if body_text.strip():
        parts.append(("body_text", body_text, False))
    for field, source, html in parts:
        try:
            render_compiled(
                compile_source(source, field=field, html=html), sample_context(), field=field
            )
        except TemplateRenderError as error:
            errors[field] = error.user_message
    if not subject.strip():
        errors.setdefault("subject", _("Enter a subject."))
    return errors
