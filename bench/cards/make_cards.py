"""Render the business-card test set: card images and the fields each one should give.

    .venv/bin/python bench/cards/make_cards.py        # writes bench/cards/data/

Every card is drawn with Pillow from the fonts Debian ships (DejaVu, Liberation, Noto), in
one of five layouts, with Spanish accents and ñ, and some are then spoiled the way phone
photos are: turned a few degrees, blurred, photographed in perspective on a table, dimmed,
or stored sideways with an EXIF orientation tag. Some carry a QR code with a vCard or a
MECARD. Next to each ``NN-name.jpg`` (or ``.png``) is ``NN-name.json`` with the expected
fields, in the shape ``relata scan-card --json`` prints.

The output is deterministic (fixed seeds), so the committed files can be made again.
"""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

import cv2
import numpy as np
import phonenumbers
import segno
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

OUT = Path(__file__).resolve().parent / "data"
FONTS = Path("/usr/share/fonts/truetype")
FONT_FAMILIES = {
    "dejavu": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    "dejavu-serif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "liberation": ("liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf"),
    "liberation-serif": (
        "liberation/LiberationSerif-Regular.ttf",
        "liberation/LiberationSerif-Bold.ttf",
    ),
    "narrow": (
        "liberation/LiberationSansNarrow-Regular.ttf",
        "liberation/LiberationSansNarrow-Bold.ttf",
    ),
    "condensed": ("dejavu/DejaVuSansCondensed.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf"),
}
CARD_SIZE = (1050, 600)  # 3.5 × 2 inches at 300 dpi

# Each card: what is printed (``lines`` of the contact block as shown) and what is expected.
CARDS: list[dict] = [
    {
        "slug": "lucia-ibanez",
        "given": "Lucía",
        "family": "Ibáñez Ortega",
        "title": "Directora Comercial",
        "company": "Aceros del Norte S.L.",
        "emails": ["lucia.ibanez@acerosdelnorte.es"],
        "phones": [
            ("+34 612 345 678", "Móvil: 612 345 678"),
            ("+34 944 123 456", "Tel. 944 12 34 56"),
        ],
        "website": "www.acerosdelnorte.es",
        "address": ("Calle Mayor 12", "48001", "Bilbao"),
        "tax_id": "B12345674",
        "layout": "left",
        "font": "dejavu",
        "spoil": None,
    },
    {
        "slug": "jose-luis-martinez",
        "given": "José Luis",
        "family": "Martínez Peña",
        "title": "Gerente",
        "company": "Construcciones Peñalara S.A.",
        "emails": ["jlmartinez@penalara.com"],
        "phones": [
            ("+34 915 551 234", "T. +34 915 551 234"),
            ("+34 699 887 766", "M. +34 699 887 766"),
        ],
        "website": "www.penalara.com",
        "address": ("Avenida de América 45", "28002", "Madrid"),
        "tax_id": "",
        "layout": "center",
        "font": "liberation-serif",
        "spoil": None,
    },
    {
        "slug": "ana-belen-nunez",
        "given": "Ana Belén",
        "family": "Núñez",
        "title": "Responsable de Compras",
        "company": "Jardinería Añón",
        "emails": ["compras@jardineriaanon.es"],
        "phones": [("+34 963 456 789", "Tel: 963 456 789")],
        "website": "jardineriaanon.es",
        "address": ("Plaza del Ayuntamiento 3", "46002", "Valencia"),
        "tax_id": "B98765431",
        "layout": "split",
        "font": "liberation",
        "spoil": "rotate",
    },
    {
        "slug": "john-smith",
        "given": "John",
        "family": "Smith",
        "title": "Sales Manager",
        "company": "Brightwater Ltd",
        "emails": ["john.smith@brightwater.co.uk"],
        "phones": [
            ("+44 20 7946 0958", "Tel +44 20 7946 0958"),
            ("+44 7911 123456", "Mobile +44 7911 123456"),
        ],
        "website": "www.brightwater.co.uk",
        "address": None,
        "tax_id": "",
        "layout": "band",
        "font": "dejavu",
        "spoil": None,
    },
    {
        "slug": "maria-jose-garcia",
        "given": "María José",
        "family": "García Fernández",
        "title": "Abogada",
        "company": "Bufete García y Asociados",
        "emails": ["mjgarcia@bufetegarcia.es"],
        "phones": [
            ("+34 954 220 011", "Tel. 954 22 00 11"),
            ("+34 622 110 044", "Móvil 622 11 00 44"),
        ],
        "website": "www.bufetegarcia.es",
        "address": ("Calle Sierpes 48", "41004", "Sevilla"),
        "tax_id": "",
        "layout": "left",
        "font": "liberation-serif",
        "spoil": "blur",
    },
    {
        "slug": "inaki-etxeberria",
        "given": "Iñaki",
        "family": "Etxeberria Goñi",
        "title": "Ingeniero de Proyectos",
        "company": "Talleres Goñi S.L.",
        "emails": ["inaki@talleresgoni.eus"],
        "phones": [
            ("+34 943 112 233", "Tel. 943 112 233"),
            ("+34 688 223 344", "Móvil 688 223 344"),
        ],
        "website": "www.talleresgoni.eus",
        "address": ("Polígono Ibaeta 7", "20018", "Donostia"),
        "tax_id": "B20123451",
        "layout": "qr-vcard",
        "font": "dejavu",
        "spoil": None,
    },
    {
        "slug": "carmen-munoz",
        "given": "Carmen",
        "family": "Muñoz de la Torre",
        "title": "Directora General",
        "company": "Ñandú Diseño S.L.",
        "emails": ["carmen@nandudiseno.com"],
        "phones": [("+34 656 789 012", "+34 656 789 012")],
        "website": "www.nandudiseno.com",
        "address": ("Carrer de Balmes 120", "08008", "Barcelona"),
        "tax_id": "",
        "layout": "center",
        "font": "dejavu",
        "spoil": "perspective",
    },
    {
        "slug": "pedro-sanchez-ruiz",
        "given": "Pedro",
        "family": "Sánchez Ruiz",
        "title": "Técnico Comercial",
        "company": "Frutas Sánchez S.Coop.",
        "emails": ["pedro@frutassanchez.es", "pedidos@frutassanchez.es"],
        "phones": [
            ("+34 968 301 020", "Tel. 968 30 10 20"),
            ("+34 617 202 303", "Móvil 617 20 23 03"),
        ],
        "website": "",
        "address": ("Camino Viejo 5", "30100", "Murcia"),
        "tax_id": "",
        "layout": "split",
        "font": "narrow",
        "spoil": None,
    },
    {
        "slug": "elena-castano",
        "given": "Elena",
        "family": "Castaño Villar",
        "title": "Arquitecta",
        "company": "Estudio Castaño Arquitectura",
        "emails": ["elena@estudiocastano.es"],
        "phones": [("+34 985 203 040", "Tel. 985 20 30 40")],
        "website": "www.estudiocastano.es",
        "address": ("Calle Uría 16", "33003", "Oviedo"),
        "tax_id": "",
        "layout": "qr-mecard",
        "font": "liberation",
        "spoil": "rotate",
    },
    {
        "slug": "sophie-martin",
        "given": "Sophie",
        "family": "Martin",
        "title": "Export Manager",
        "company": "Vins de Provence SAS",
        "emails": ["s.martin@vinsdeprovence.fr"],
        "phones": [
            ("+33 1 42 68 53 00", "Tél. +33 1 42 68 53 00"),
            ("+33 6 12 34 56 78", "Mobile +33 6 12 34 56 78"),
        ],
        "website": "www.vinsdeprovence.fr",
        "address": None,
        "tax_id": "",
        "layout": "left",
        "font": "condensed",
        "spoil": None,
    },
    {
        "slug": "javier-ortiz",
        "given": "Javier",
        "family": "Ortiz Gómez",
        "title": "Jefe de Obra",
        "company": "Obras y Reformas Ortiz S.L.",
        "emails": ["javier.ortiz@reformasortiz.es"],
        "phones": [("+34 630 405 060", "Móvil: 630 40 50 60")],
        "website": "www.reformasortiz.es",
        "address": ("Calle Alfonso I 22", "50003", "Zaragoza"),
        "tax_id": "B50123454",
        "layout": "band",
        "font": "liberation",
        "spoil": "perspective",
    },
    {
        "slug": "laura-pena",
        "given": "Laura",
        "family": "Peña Domínguez",
        "title": "Consultora de Marketing",
        "company": "Cigüeña Comunicación",
        "emails": ["laura@ciguenacomunicacion.com"],
        "phones": [
            ("+34 910 203 040", "Tel. 910 20 30 40"),
            ("+34 644 556 677", "Móvil 644 55 66 77"),
        ],
        "website": "ciguenacomunicacion.com",
        "address": ("Calle de Alcalá 200", "28028", "Madrid"),
        "tax_id": "",
        "layout": "center",
        "font": "dejavu-serif",
        "spoil": "exif",
    },
    {
        "slug": "antonio-lopez",
        "given": "Antonio",
        "family": "López Martín",
        "title": "Director Financiero",
        "company": "Logística Martín S.A.",
        "emails": ["alopez@logisticamartin.com"],
        "phones": [("+34 976 445 566", "Tel. 976 44 55 66")],
        "website": "www.logisticamartin.com",
        "address": ("Paseo Independencia 8", "50004", "Zaragoza"),
        "tax_id": "A50987650",
        "layout": "qr-vcard",
        "font": "liberation-serif",
        "spoil": "blur",
    },
    {
        "slug": "nuria-ferrer",
        "given": "Núria",
        "family": "Ferrer i Puig",
        "title": "Enginyera",
        "company": "Ferrer Enginyeria S.L.",
        "emails": ["nuria@ferrerenginyeria.cat"],
        "phones": [("+34 934 567 890", "Tel. 934 567 890")],
        "website": "www.ferrerenginyeria.cat",
        "address": ("Carrer Gran de Gràcia 15", "08012", "Barcelona"),
        "tax_id": "",
        "layout": "split",
        "font": "dejavu",
        "spoil": None,
    },
    {
        "slug": "miguel-angel-ruiz",
        "given": "Miguel Ángel",
        "family": "Ruiz Cañete",
        "title": "Delegado Comercial",
        "company": "Suministros Cañete S.L.",
        "emails": ["ma.ruiz@suministroscanete.es"],
        "phones": [
            ("+34 678 901 234", "Móvil 678 901 234"),
            ("+34 957 480 112", "Tel. 957 480 112"),
        ],
        "website": "www.suministroscanete.es",
        "address": ("Avenida Gran Capitán 30", "14008", "Córdoba"),
        "tax_id": "",
        "layout": "left",
        "font": "narrow",
        "spoil": "dim",
    },
    {
        "slug": "rocio-benitez",
        "given": "Rocío",
        "family": "Benítez",
        "title": "Fisioterapeuta",
        "company": "Clínica Benítez",
        "emails": ["cita@clinicabenitez.es"],
        "phones": [
            ("+34 952 600 700", "Tel. 952 600 700"),
            ("+34 611 222 333", "WhatsApp 611 222 333"),
        ],
        "website": "www.clinicabenitez.es",
        "address": ("Calle Larios 4", "29005", "Málaga"),
        "tax_id": "",
        "layout": "center",
        "font": "liberation",
        "spoil": None,
    },
    {
        "slug": "david-green",
        "given": "David",
        "family": "Green",
        "title": "Chief Technology Officer",
        "company": "Nordlight Systems Inc.",
        "emails": ["david@nordlight.io"],
        "phones": [("+1 415 555 0132", "Phone +1 415 555 0132")],
        "website": "nordlight.io",
        "address": None,
        "tax_id": "",
        "layout": "qr-vcard",
        "font": "condensed",
        "spoil": "perspective",
    },
    {
        "slug": "beatriz-alonso",
        "given": "Beatriz",
        "family": "Alonso Herrero",
        "title": "Responsable de Calidad",
        "company": "Lácteos Herrero S.A.",
        "emails": ["calidad@lacteosherrero.es"],
        "phones": [
            ("+34 983 310 450", "Tel. 983 31 04 50"),
            ("+34 649 112 358", "Móvil 649 11 23 58"),
        ],
        "website": "www.lacteosherrero.es",
        "address": ("Calle Santiago 9", "47001", "Valladolid"),
        "tax_id": "A47123450",
        "layout": "band",
        "font": "dejavu-serif",
        "spoil": "rotate",
    },
    {
        "slug": "francisco-javier-diaz",
        "given": "Francisco Javier",
        "family": "Díaz Montaño",
        "title": "Administrador",
        "company": "Montaño Inversiones S.L.",
        "emails": ["fjdiaz@montanoinversiones.es"],
        "phones": [("+34 981 123 987", "Tel. 981 123 987")],
        "website": "www.montanoinversiones.es",
        "address": ("Rúa do Franco 10", "15702", "Santiago de Compostela"),
        "tax_id": "",
        "layout": "left",
        "font": "liberation",
        "spoil": "exif",
    },
    {
        "slug": "isabel-moreno",
        "given": "Isabel",
        "family": "Moreno Cid",
        "title": "Directora de Recursos Humanos",
        "company": "Hoteles Cid S.A.",
        "emails": ["isabel.moreno@hotelescid.com"],
        "phones": [
            ("+34 971 720 100", "Tel. 971 72 01 00"),
            ("+34 609 300 200", "Móvil 609 30 02 00"),
        ],
        "website": "www.hotelescid.com",
        "address": ("Passeig Marítim 21", "07014", "Palma"),
        "tax_id": "",
        "layout": "qr-mecard",
        "font": "dejavu",
        "spoil": "blur",
    },
    {
        "slug": "ricardo-gil",
        "given": "Ricardo",
        "family": "Gil Araújo",
        "title": "Comercial",
        "company": "Cerámicas Araújo Lda",
        "emails": ["ricardo@ceramicasaraujo.pt"],
        "phones": [
            ("+351 21 342 7100", "Tel. +351 21 342 7100"),
            ("+351 912 345 678", "Tlm. +351 912 345 678"),
        ],
        "website": "www.ceramicasaraujo.pt",
        "address": None,
        "tax_id": "",
        "layout": "split",
        "font": "liberation-serif",
        "spoil": "perspective",
    },
    {
        "slug": "marta-vazquez",
        "given": "Marta",
        "family": "Vázquez Lorenzo",
        "title": "Jefa de Ventas",
        "company": "Conservas Lorenzo S.L.",
        "emails": ["marta.vazquez@conservaslorenzo.es", "ventas@conservaslorenzo.es"],
        "phones": [
            ("+34 986 432 100", "Tel. 986 43 21 00"),
            ("+34 666 777 888", "Móvil 666 77 78 88"),
        ],
        "website": "www.conservaslorenzo.es",
        "address": ("Avenida de Beiramar 55", "36202", "Vigo"),
        "tax_id": "B36123453",
        "layout": "center",
        "font": "narrow",
        "spoil": None,
    },
    {
        "slug": "oscar-ibarra",
        "given": "Óscar",
        "family": "Ibarra",
        "title": "Socio Fundador",
        "company": "Ibarra & Ochoa Abogados",
        "emails": ["oscar@ibarraochoa.es"],
        "phones": [("+34 948 225 566", "T. 948 22 55 66"), ("+34 620 330 440", "M. 620 33 04 40")],
        "website": "www.ibarraochoa.es",
        "address": ("Calle Estafeta 30", "31001", "Pamplona"),
        "tax_id": "",
        "layout": "band",
        "font": "condensed",
        "spoil": "dim",
    },
    {
        "slug": "cristina-navarro",
        "given": "Cristina",
        "family": "Navarro Sáez",
        "title": "Project Manager",
        "company": "Señales Navarro S.L.",
        "emails": ["cnavarro@senalesnavarro.com"],
        "phones": [
            ("+34 965 140 220", "Tel. 965 14 02 20"),
            ("+34 633 140 220", "Móvil 633 14 02 20"),
        ],
        "website": "www.senalesnavarro.com",
        "address": ("Calle San Vicente 71", "03004", "Alicante"),
        "tax_id": "",
        "layout": "left",
        "font": "dejavu",
        "spoil": "rotate",
    },
]


def font(family: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / FONT_FAMILIES[family][1 if bold else 0]), size)


def spanish_tax_id(card: dict) -> str:
    return card["tax_id"]


def contact_lines(card: dict) -> list[str]:
    lines = [label for _number, label in card["phones"]]
    lines += card["emails"]
    if card["website"]:
        lines.append(card["website"])
    return lines


def address_lines(card: dict) -> list[str]:
    if not card["address"]:
        return []
    street, postal, city = card["address"]
    return [street, f"{postal} {city}"]


def qr_image(card: dict, size: int) -> Image.Image:
    phones = [number.replace(" ", "") for number, _label in card["phones"]]
    if card["layout"] == "qr-vcard":
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"N:{card['family']};{card['given']};;;",
            f"FN:{card['given']} {card['family']}",
            f"ORG:{card['company']}",
            f"TITLE:{card['title']}",
            *(f"TEL;TYPE=WORK:{p}" for p in phones),
            *(f"EMAIL:{e}" for e in card["emails"]),
        ]
        if card["website"]:
            lines.append(f"URL:https://{card['website']}")
        if card["address"]:
            street, postal, city = card["address"]
            lines.append(f"ADR;TYPE=WORK:;;{street};{city};;{postal};ES")
        lines.append("END:VCARD")
        payload = "\r\n".join(lines)
    else:
        parts = [f"N:{card['family']},{card['given']}", f"ORG:{card['company']}"]
        parts += [f"TEL:{p}" for p in phones]
        parts += [f"EMAIL:{e}" for e in card["emails"]]
        if card["website"]:
            parts.append(f"URL:{card['website']}")
        payload = "MECARD:" + ";".join(parts) + ";;"
    qr = segno.make(payload, error="m", micro=False, encoding="utf-8")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB").resize((size, size), Image.Resampling.NEAREST)


def render(card: dict, rng: random.Random) -> Image.Image:
    width, height = CARD_SIZE
    paper = (255, 255, 255) if rng.random() < 0.6 else (250, 247, 238)
    image = Image.new("RGB", CARD_SIZE, paper)
    draw = ImageDraw.Draw(image)
    family = card["font"]
    ink = (20, 20, 20)
    accent = rng.choice([(20, 60, 120), (120, 20, 30), (20, 90, 60), (60, 60, 60)])
    name = f"{card['given']} {card['family']}"
    details = contact_lines(card) + address_lines(card)
    if card["tax_id"]:
        details.append(f"CIF: {card['tax_id']}")
    small = font(family, False, 27)
    layout = card["layout"]
    margin = 60

    def text(
        xy: tuple[float, float], value: str, face: ImageFont.FreeTypeFont, fill=ink, anchor="la"
    ) -> None:  # type: ignore[no-untyped-def]
        draw.text(xy, value, font=face, fill=fill, anchor=anchor)

    if layout == "left":
        text((margin, 50), card["company"], font(family, True, 40), accent)
        text((margin, 150), name, font(family, True, 46))
        text((margin, 210), card["title"], font(family, False, 30), (70, 70, 70))
        y = 290
        for line in details:
            text((margin, y), line, small)
            y += 36
    elif layout == "center":
        cx = width / 2
        text((cx, 40), card["company"], font(family, True, 38), accent, "ma")
        text((cx, 120), name, font(family, True, 48), ink, "ma")
        text((cx, 182), card["title"], font(family, False, 30), (70, 70, 70), "ma")
        draw.line((cx - 200, 235, cx + 200, 235), fill=accent, width=3)
        y = 255
        for line in details:
            text((cx, y), line, small, ink, "ma")
            y += 35
    elif layout == "split":
        text((margin, 60), name, font(family, True, 44))
        text((margin, 118), card["title"], font(family, False, 29), (70, 70, 70))
        text((width - margin, 60), card["company"], font(family, True, 34), accent, "ra")
        y = height - 40 - 35 * len(details)
        for line in details:
            text((width - margin, y), line, small, ink, "ra")
            y += 35
    elif layout == "band":
        draw.rectangle((0, 0, width, 120), fill=accent)
        text((margin, 38), card["company"], font(family, True, 40), (255, 255, 255))
        text((margin, 160), name, font(family, True, 44))
        text((margin, 215), card["title"], font(family, False, 29), (70, 70, 70))
        y = 285
        for line in details:
            text((margin, y), line, small)
            y += 35
    else:  # QR on the right
        text((margin, 45), card["company"], font(family, True, 36), accent)
        text((margin, 130), name, font(family, True, 42))
        text((margin, 185), card["title"], font(family, False, 28), (70, 70, 70))
        y = 260
        for line in details:
            text((margin, y), line, font(family, False, 25))
            y += 33
        qr = qr_image(card, 300)
        image.paste(qr, (width - 340, height - 340))
    return image


def perspective(image: Image.Image, rng: random.Random) -> Image.Image:
    """Lay the card on a table and photograph it from an angle."""
    card = np.array(image)
    h, w = card.shape[:2]
    out_w, out_h = 1280, 920
    background = np.zeros((out_h, out_w, 3), np.uint8)
    base = np.array(rng.choice([(110, 90, 70), (70, 75, 80), (150, 140, 125)]), np.uint8)
    noise = np.random.default_rng(rng.randrange(1 << 30)).integers(-4, 4, (out_h, out_w, 1))
    background[:] = np.clip(base + noise, 0, 255).astype(np.uint8)
    jitter = lambda: rng.uniform(-60, 60)  # noqa: E731
    target = np.float32(
        [
            [150 + jitter(), 150 + jitter()],
            [1130 + jitter(), 170 + jitter()],
            [1150 + jitter(), 770 + jitter()],
            [120 + jitter(), 750 + jitter()],
        ]
    )
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(card, matrix, (out_w, out_h))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (out_w, out_h))
    background[mask > 0] = warped[mask > 0]
    # Uneven light across the photo.
    gradient = np.linspace(0.85, 1.05, out_w)[None, :, None]
    photo = np.clip(background * gradient, 0, 255).astype(np.uint8)
    return Image.fromarray(photo)


def spoil(image: Image.Image, kind: str | None, rng: random.Random) -> tuple[Image.Image, dict]:
    """Return the spoiled image and extra ``save`` arguments (EXIF)."""
    extra: dict = {}
    if kind == "rotate":
        angle = rng.choice([-1, 1]) * rng.uniform(3, 7)
        image = image.rotate(
            angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(200, 200, 200)
        )
    elif kind == "blur":
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(1.2, 1.6)))
    elif kind == "perspective":
        image = perspective(image, rng)
    elif kind == "dim":
        image = ImageEnhance.Contrast(image).enhance(0.45)
        image = ImageEnhance.Brightness(image).enhance(0.8)
    elif kind == "exif":
        # Stored sideways as a phone does, with the orientation tag that puts it right.
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90° clockwise to display
        extra["exif"] = exif.tobytes()
    return image, extra


def expected(card: dict) -> dict:
    phones = []
    for number, _label in card["phones"]:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        kind = phonenumbers.number_type(parsed)
        mobile = kind == phonenumbers.PhoneNumberType.MOBILE
        phones.append(
            {
                "number": phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
                "type": "mobile" if mobile else "landline",
                "country": phonenumbers.region_code_for_number(parsed),
            }
        )
    address = ""
    if card["address"]:
        street, postal, city = card["address"]
        address = f"{street}, {postal} {city}"
    website = card["website"]
    return {
        "given_name": card["given"],
        "family_name": card["family"],
        "job_title": card["title"],
        "company": card["company"],
        "emails": card["emails"],
        "phones": phones,
        "website": f"https://{website}" if website else "",
        "address": address,
        "tax_id": card["tax_id"],
    }


def main() -> int:
    from stdnum.es import cif

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        old.unlink()
    for index, card in enumerate(CARDS, start=1):
        if card["tax_id"]:
            assert cif.is_valid(card["tax_id"]), card["tax_id"]
        rng = random.Random(index)
        image = render(card, rng)
        image, extra = spoil(image, card["spoil"], rng)
        stem = f"{index:02d}-{card['slug']}"
        # PNG for two clean cards (screenshots, scans), JPEG for the photographed rest.
        if card["spoil"] is None and index % 5 == 0:
            path = OUT / f"{stem}.png"
            image.convert("P", palette=Image.Palette.ADAPTIVE, colors=32).save(path, optimize=True)
        else:
            path = OUT / f"{stem}.jpg"
            image.save(path, quality=82, optimize=True, **extra)
        (OUT / f"{stem}.json").write_text(
            json.dumps(expected(card), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        size = path.stat().st_size // 1024
        print(f"{path.name:40} {size:4d} KB  {card['layout']:10} {card['spoil']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
