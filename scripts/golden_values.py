"""4,000 hostile values for scripts/golden: 250 rows of the 16 columns of a Koibox export (the columns
`ferry sample` writes), each value drawn with a fixed seed from what real exports hold in that column
(valid and broken DNI/NIE/CIF, phones of every shape, e-mails, postal codes and provinces that
disagree, impossible dates, yes/no spellings, upper-case names, compound surnames) and from text
that breaks naive code (formulas, quotes, delimiters, line breaks, control characters, Unicode,
JSON-looking text, very long values, only spaces). The same bytes every time.
"""
import csv
import io
import random

COLUMNS = ["code", "nombre", "apellido1", "apellido2", "dni", "movil", "fijo", "email", "direccion", "localidad",
           "codigo_postal", "provincia", "fecha_nacimiento", "sexo", "is_suscrito_newsletter", "notas"]

ANY = ["", " ", "   ", "\t", "null", "NULL", "None", "N/A", "-", "0", "=1+1", "+34", "-2", "@SUM(A1)", "=HYPERLINK(\"x\")",
       "\"quoted\"", "a;b", "a,b", "line\nbreak", "cr\rreturn", "crlf\r\nend", "tab\there", "{\"a\":1}", "[1,2]", "\\",
       "é", "ñÑ", "İstanbul", "ß", "ǅ", "e\u0301", "😀", "\u202eRTL", "\u200bzero", "\u00a0nbsp\u00a0", "x" * 300,
       "ÅÄÖ", "Ω", "中文", "\u0007bell", "\u001besc", "ﬁ", "ǈ", "true", "false", "1e5", "  padded  "]

BY_COLUMN = {
    "code": ["1", "001", "A-7", "99999999999999999999", "-1", "1.5", "1,5", "０１２"],
    "nombre": ["MARÍA", "josé luis", "Mª del Mar", "O'Brien", "mcdonald", "ÁNGEL", "d'Artagnan", "Jean-Pierre", "x", "JOSÉ  MARÍA"],
    "apellido1": ["GARCÍA", "de la Fuente", "García de la Fuente", "Pérez-Reverte", "del Río", "y Gasset", "VAN DER BERG"],
    "apellido2": ["", "López", "de los Santos", "MARTÍNEZ", "i Puig"],
    "dni": ["12345678Z", "12345678z", "12345678A", "12.345.678-Z", " 12345678Z ", "X1234567L", "x1234567l", "Y1234567X",
            "Z1234567R", "B12345674", "A58818501", "b-12345674", "Q2826000H", "12345678", "1234567Z", "00000000T",
            "ES12345678Z", "99999999R", "K1234567L", "P2800000E", "12345678ZZ"],
    "movil": ["612345678", "612 345 678", "+34612345678", "0034612345678", "34612345678", "(+34) 612-345-678",
              "912345678", "+33612345678", "+1 202 555 0143", "12345", "6123456789", "+346123", "612.34.56.78",
              "7 12 34 56 78", "+44 7911 123456", "00000000"],
    "fijo": ["912345678", "91 234 56 78", "+34912345678", "612345678", "800123456", "901123456", "112", "+3491234"],
    "email": ["a@b.es", "A@B.ES", "ana@gmail.com", "ana@@gmail.com", "ana@gmail", "ana.gmail.com", "josé@correo.es",
              "ana@correo.españa", " ana@gmail.com ", "ana@gmail.com.", "\"a b\"@x.es", "a+tag@x.es", "a@[127.0.0.1]",
              "a@b", "@x.es", "ana@-x.es"],
    "direccion": ["Calle Mayor, 1", "C/ Gran Vía 2; 3º", "Avda. de la Constitución, s/n", "Plaza \"España\" 4"],
    "localidad": ["Madrid", "MADRID", "L'Hospitalet de Llobregat", "A Coruña", "Donostia/San Sebastián", "Alacant/Alicante"],
    "codigo_postal": ["28001", "08001", "8001", "28 001", "53001", "00000", "52001", "01001", "280011", "2800A", "99999",
                      "35008", "07001"],
    "provincia": ["Madrid", "28", "8", "08", "Barcelona", "barcelona", "BARCELONA", "Girona", "Gerona", "Illes Balears",
                  "Baleares", "Las Palmas", "Nowhere", "99", "A Coruña", "La Coruña", "Álava", "Araba/Álava"],
    "fecha_nacimiento": ["05/09/1935", "31/02/2020", "29/02/2019", "29/02/2020", "01/01/1899", "01/01/1900", "31/12/2099",
                         "1980-05-06", "5/9/1935", "05-09-1935", "05/09/35", "00/00/0000", "32/01/1990", "01/13/1990",
                         "05/09/1935 10:00", "ayer"],
    "sexo": ["m", "h", "M", "H", "f", "x", "mujer", "hombre", "1", "2"],
    "is_suscrito_newsletter": ["0", "1", "sí", "si", "SI", "no", "x", "s", "n", "true", "TRUE", "yes", "2", "-1"],
    "notas": ["Busca piso; presupuesto 250.000 €", "línea 1\nlínea 2", "\"citado\"", "alergia a la penicilina"],
}


def rows(count: int = 250):
    generator = random.Random(17)
    for _ in range(count):
        row = []
        for column in COLUMNS:
            pool = BY_COLUMN[column] if generator.random() < 0.7 else ANY
            row.append(generator.choice(pool))
        yield row


def csv_bytes() -> bytes:
    out = io.StringIO()
    # CRLF line ends: Python quotes a value with a bare CR only when CR is in the line terminator.
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows():
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
