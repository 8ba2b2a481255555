"""The invoice as a PDF (fpdf2): issuer, customer, number, dates, lines, tax, total, payments and
the balance due, rendered from the invoice's current state on each request (US Letter, points).

Core PDF fonts hold Latin-1 only; any other character in a name or description is replaced
(dashes and quotes by their plain forms, the rest by ``?``) rather than failing the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fpdf import FPDF

from db.models import Customer, Invoice

INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
ACCENT = (13, 71, 161)
STATUS_TEXT = {"open": "OPEN", "partially_paid": "PARTIALLY PAID", "paid": "PAID"}


#: typographic characters outside Latin-1 and their plain spellings
PLAIN = str.maketrans(
    {
        "\u2014": "-",
        "\u2013": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
    }
)


def _text(value: object) -> str:
    return str(value).translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


def _usd(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _day(value: date | None) -> str:
    return value.strftime("%b %d, %Y") if value else "-"


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who sends the invoice: ``Settings.company_name`` and ``company_address``."""

    name: str
    address: str


def render_invoice_pdf(invoice: Invoice, customer: Customer, issuer: Issuer) -> bytes:
    """The PDF bytes of ``invoice`` (with its lines and payments loaded) for ``customer``."""
    pdf = FPDF(orientation="portrait", unit="pt", format="letter")
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author(_text(issuer.name))
    pdf.set_auto_page_break(auto=True, margin=54)
    pdf.set_margins(54, 54, 54)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # header: issuer left, INVOICE and number right
    pdf.set_text_color(*ACCENT)
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(width / 2, 22, _text(issuer.name))
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(width / 2, 22, "INVOICE", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*MUTED)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(width / 2, 14, _text(issuer.address))
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(width / 2, 14, invoice.number, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(18)

    # bill to (left) and the dates (right)
    top = pdf.get_y()
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(width / 2, 12, "BILL TO", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(width / 2, 15, _text(customer.display_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    if customer.company_name:
        pdf.cell(
            width / 2,
            13,
            _text(f"Attn: {customer.first_name} {customer.last_name}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if customer.address:
        pdf.cell(width / 2, 13, _text(customer.address), new_x="LMARGIN", new_y="NEXT")
        pdf.cell(
            width / 2,
            13,
            _text(f"{customer.city}, {customer.state} {customer.zip_code}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if customer.email:
        pdf.cell(width / 2, 13, _text(customer.email), new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    facts = [
        ("Invoice date", _day(invoice.issue_date)),
        ("Due date", _day(invoice.due_date)),
        ("Terms", invoice.payment_terms.replace("_", " ")),
        ("Period", _period(invoice)),
        ("Status", STATUS_TEXT.get(invoice.status, invoice.status.upper())),
    ]
    pdf.set_y(top)
    for label, value in facts:
        pdf.set_x(pdf.l_margin + width / 2)
        pdf.set_font("Helvetica", "", 10)
        pdf.set_text_color(*MUTED)
        pdf.cell(width / 4, 14, label, align="R")
        pdf.set_text_color(*INK)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(width / 4, 14, _text(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 20)

    # lines
    columns = (
        ("Description", 0.58, "L"),
        ("Qty", 0.10, "R"),
        ("Unit price", 0.16, "R"),
        ("Amount", 0.16, "R"),
    )
    pdf.set_fill_color(241, 243, 245)
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_text_color(*MUTED)
    for title, share, align in columns:
        pdf.cell(width * share, 20, title.upper(), align=align, fill=True)
    pdf.ln(20)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    for line in invoice.lines:
        pdf.set_font("Helvetica", "", 9)
        values = (
            line.description,
            f"{line.quantity.normalize():f}",
            _usd(line.unit_price),
            _usd(line.amount),
        )
        for (_, share, align), value in zip(columns, values, strict=True):
            pdf.cell(width * share, 18, _text(value)[:90], align=align, border="B")
        pdf.ln(18)
    pdf.ln(10)

    # totals, right-aligned
    paid = invoice.amount_paid
    rows = [
        ("Subtotal", _usd(invoice.subtotal), False),
        (f"Tax ({(invoice.tax_rate * 100).normalize():f} %)", _usd(invoice.tax_amount), False),
        ("Total", _usd(invoice.total), True),
        ("Paid", _usd(-paid) if paid else _usd(Decimal("0")), False),
        ("Balance due", _usd(invoice.balance), True),
    ]
    for label, value, strong in rows:
        pdf.set_x(pdf.l_margin + width * 0.58)
        pdf.set_font("Helvetica", "B" if strong else "", 11 if strong else 10)
        pdf.set_text_color(*(ACCENT if label == "Balance due" else INK))
        pdf.cell(width * 0.26, 18, label, align="R")
        pdf.cell(width * 0.16, 18, value, align="R", new_x="LMARGIN", new_y="NEXT")

    if invoice.payments:
        pdf.ln(14)
        pdf.set_text_color(*MUTED)
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(width, 14, "PAYMENTS RECEIVED", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        pdf.set_text_color(*INK)
        for payment in invoice.payments:
            pdf.cell(
                width,
                13,
                _text(
                    f"{_day(payment.received_at.date())}  {payment.method}  {_usd(payment.amount)}  ref. {payment.reference}"
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )

    pdf.ln(24)
    pdf.set_text_color(*MUTED)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        width,
        12,
        _text(
            f"Please pay {_usd(invoice.balance)} by {_day(invoice.due_date)} and quote {invoice.number}. "
            f"We accept cash, card, bank transfer and checks. Thank you for your business - {issuer.name}."
        ),
    )
    return bytes(pdf.output())


def _period(invoice: Invoice) -> str:
    if invoice.period_start and invoice.period_end:
        if invoice.period_start == invoice.period_end:
            return _day(invoice.period_start)
        return f"{invoice.period_start:%b %d} - {invoice.period_end:%b %d, %Y}"
    return "selected work"
