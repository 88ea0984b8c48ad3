#!/usr/bin/env python3
"""Writes the exports `ferry mapping suggest` is measured on, and expected.json with the right
field for every column (null: the column should stay unmapped). Run it from this folder; the
files are committed, so tests do not need Python. Names are drawn partly from outside the lists
Ferry knows (PersonNames.swift), so content detection is not judged on its own vocabulary."""
import csv, json, random

random.seed(20261123)
GIVEN = ["María", "Carmen", "Zuriñe", "Maialen", "Lucía", "Ariadna", "Telmo", "Eloy", "Javier", "Nerea", "Ricardo",
         "Montserrat", "Fermín", "Covadonga", "Aitana", "Bruno", "José Luis", "Ana Belén", "Nahia", "Gael", "Olalla",
         "Sergio", "Itziar", "Xurxo", "Candela", "Rodrigo", "Alba", "Íñigo", "Pilar", "Estíbaliz"]
SURNAMES = ["García", "Berenguer", "Zamorano", "Olmedo", "López", "Arrieta", "Fernández", "Quintanilla", "Sánchez",
            "Villalobos", "Pérez", "Montoya", "Ruiz", "Escudero", "Gómez", "Lasarte", "Martínez", "Cifuentes", "Navarro",
            "de la Fuente", "del Río", "Iglesias", "Barrionuevo", "Moreno", "Urquiza", "Díaz", "Pacheco", "Soler"]
STREETS = ["Calle Mayor", "Avenida de América", "Plaza del Pilar", "Calle Arenal", "Paseo de Gracia", "Calle Larios",
           "Avda. Blasco Ibáñez", "C/ Colón", "Rúa Nova", "Carrer de Mallorca", "Camino Viejo", "Calle Uría"]
TOWNS = [("Madrid", "28", "Madrid"), ("Barcelona", "08", "Barcelona"), ("Sevilla", "41", "Sevilla"),
         ("Valencia", "46", "Valencia"), ("Bilbao", "48", "Bizkaia"), ("Oviedo", "33", "Asturias"),
         ("Zaragoza", "50", "Zaragoza"), ("Málaga", "29", "Málaga"), ("Santiago de Compostela", "15", "A Coruña"),
         ("Pamplona", "31", "Navarra"), ("Gijón", "33", "Asturias"), ("Alcalá de Henares", "28", "Madrid")]
LANDLINE = {"28": "91", "08": "93", "41": "954", "46": "96", "48": "94", "33": "985", "50": "976", "29": "952",
            "15": "981", "31": "948"}
DOMAINS = ["gmail.com", "hotmail.es", "yahoo.es", "outlook.com", "telefonica.net", "empresa.es"]
NOTES = ["Prefiere que le llamen por la tarde", "Cliente desde la apertura de la tienda", "Pide factura con CIF de la empresa",
         "No quiere recibir publicidad por correo", "Viene recomendado por su hermana", "Interesada en un piso de tres habitaciones"]
LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"

def dni():
    n = random.randint(1_000_000, 99_999_999)
    return f"{n:08d}{LETTERS[n % 23]}"

def nie():
    prefix = random.choice("XYZ"); n = random.randint(0, 9_999_999)
    return f"{prefix}{n:07d}{LETTERS[int(str('XYZ'.index(prefix)) + f'{n:07d}') % 23]}"

def person():
    given = random.choice(GIVEN); s1, s2 = random.sample(SURNAMES, 2)
    town, province_code, province = random.choice(TOWNS)
    mobile = random.choice("67") + "".join(random.choice("0123456789") for _ in range(8))
    if mobile[0] == "7": mobile = "7" + random.choice("1234") + mobile[2:]
    prefix = LANDLINE.get(province_code, "91")
    landline = prefix + "".join(random.choice("0123456789") for _ in range(9 - len(prefix)))
    fold = lambda t: t.lower().replace(" ", "").translate(str.maketrans("áéíóúñü", "aeiounu"))
    return dict(given=given, s1=s1, s2=s2, tax=dni() if random.random() < 0.85 else nie(),
                mobile=mobile, landline=landline,
                email=f"{fold(given)}.{fold(s1)}{random.randint(1, 99)}@{random.choice(DOMAINS)}",
                street=f"{random.choice(STREETS)}, {random.randint(1, 200)}", town=town,
                postal=f"{province_code}{random.randint(1, 999):03d}", province=province, province_code=province_code,
                birth=(random.randint(1940, 2004), random.randint(1, 12), random.randint(1, 28)),
                created=(random.randint(2015, 2026), random.randint(1, 10), random.randint(1, 28)),
                gender=random.choice("HM"), note=random.choice(NOTES))

def spaced(phone):
    return f"{phone[:3]} {phone[3:5]} {phone[5:7]} {phone[7:]}"

def blank(value, rate=0.1):
    return "" if random.random() < rate else value

files = {}

def write(name, header, rows, expected, delimiter=";"):
    with open(name, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    files[name] = expected

people = [person() for _ in range(80)]
d = lambda t, fmt="%02d/%02d/%04d": fmt % (t[2], t[1], t[0])

# 1. A Spanish clinic program's export: full Spanish headers with abbreviations.
write("programa-clinica.csv",
      ["Nº Ficha", "Nombre", "Primer apellido", "Segundo apellido", "D.N.I.", "Tel. móvil", "Tel. fijo", "Correo electrónico",
       "Domicilio", "Población", "C.P.", "Provincia", "F. nacimiento", "Sexo", "Observaciones", "Alergias", "Acepta publicidad"],
      [[i + 1, p["given"], p["s1"], blank(p["s2"]), p["tax"], spaced(p["mobile"]), blank(p["landline"], 0.6), blank(p["email"]),
        p["street"], p["town"], p["postal"], p["province"], d(p["birth"]), p["gender"], blank(p["note"], 0.5),
        blank("Penicilina", 0.8), random.choice(["Sí", "No"])] for i, p in enumerate(people)],
      {"Nº Ficha": "code", "Nombre": "givenName", "Primer apellido": "familyName1", "Segundo apellido": "familyName2",
       "D.N.I.": "taxId", "Tel. móvil": "mobilePhone", "Tel. fijo": "landlinePhone", "Correo electrónico": "email",
       "Domicilio": "street", "Población": "city", "C.P.": "postalCode", "Provincia": "provinceCode",
       "F. nacimiento": "birthDate", "Sexo": "gender", "Observaciones": "notes", "Alergias": "clinicalNotes",
       "Acepta publicidad": "consentNewsletter"})

# 2. A real-estate agency's CRM: both surnames in one column, generic phone headers, extra columns.
write("inmobiliaria.csv",
      ["Código cliente", "Nombre", "Apellidos", "NIF/NIE", "Teléfono", "Teléfono 2", "Email", "Dirección", "Municipio",
       "Código postal", "Fecha alta", "Origen", "Tipo", "Presupuesto"],
      [[1000 + i, p["given"], f'{p["s1"]} {p["s2"]}', p["tax"], p["mobile"], blank(p["landline"], 0.7), p["email"],
        p["street"], p["town"], p["postal"], d(p["created"]), random.choice(["Idealista", "Fotocasa", "Web", "Oficina"]),
        random.choice(["Comprador", "Vendedor", "Inquilino"]), f'{random.randint(90, 600)}000,00'] for i, p in enumerate(people)],
      {"Código cliente": "code", "Nombre": "givenName", "Apellidos": "familyName1+familyName2", "NIF/NIE": "taxId",
       "Teléfono": "mobilePhone", "Teléfono 2": "otherPhone", "Email": "email", "Dirección": "street", "Municipio": "city",
       "Código postal": "postalCode", "Fecha alta": "registeredAt", "Origen": "origin", "Tipo": None, "Presupuesto": None},
      delimiter=",")

# 3. An English CRM (Salesforce-style contacts report).
write("salesforce-contacts.csv",
      ["Contact ID", "First Name", "Last Name", "Email", "Mobile", "Phone", "Mailing Street", "Mailing City",
       "Mailing Zip/Postal Code", "Mailing State/Province", "Mailing Country", "Birthdate", "Lead Source", "Description",
       "Account Name"],
      [["0035g00000" + "".join(random.choice("ABCDEFGHJKabcdefgh0123456789") for _ in range(5)), p["given"], p["s1"],
        p["email"], "+34" + p["mobile"], blank("+34 " + p["landline"], 0.5), p["street"], p["town"], p["postal"],
        p["province"], "ES", "%04d-%02d-%02d" % p["birth"], random.choice(["Web", "Phone Inquiry", "Partner Referral"]),
        blank(p["note"], 0.6), blank(random.choice(["Acme Ibérica SL", "Talleres Norte SA", "Clínica Sol SL"]), 0.5)]
       for p in people],
      {"Contact ID": "code", "First Name": "givenName", "Last Name": "familyName1", "Email": "email", "Mobile": "mobilePhone",
       "Phone": "landlinePhone", "Mailing Street": "street", "Mailing City": "city", "Mailing Zip/Postal Code": "postalCode",
       "Mailing State/Province": "provinceCode", "Mailing Country": "countryCode", "Birthdate": "birthDate",
       "Lead Source": "origin", "Description": "notes", "Account Name": "companyName"},
      delimiter=",")

# 4. A HubSpot-style export: US dates, opt-in flags, timestamps.
write("hubspot-export.csv",
      ["Record ID", "First name", "Last name", "Email address", "Phone number", "Mobile phone number", "Street address",
       "City", "Postal code", "Date of birth", "Create Date", "Marketing emails opt-in", "Company name", "Notes"],
      [[random.randint(10_000_000_000, 99_999_999_999), p["given"], f'{p["s1"]} {p["s2"]}', p["email"],
        blank(p["landline"], 0.5), p["mobile"], p["street"], p["town"], p["postal"],
        "%02d/%02d/%04d" % (p["birth"][1], p["birth"][2], p["birth"][0]),
        "%04d-%02d-%02d %02d:%02d" % (p["created"] + (random.randint(8, 20), random.randint(0, 59))),
        random.choice(["true", "false"]), blank("Acme Ibérica SL", 0.7), blank(p["note"], 0.7)] for p in people],
      {"Record ID": "code", "First name": "givenName", "Last name": "familyName1+familyName2", "Email address": "email",
       "Phone number": "landlinePhone", "Mobile phone number": "mobilePhone", "Street address": "street", "City": "city",
       "Postal code": "postalCode", "Date of birth": "birthDate", "Create Date": "registeredAt",
       "Marketing emails opt-in": "consentNewsletter", "Company name": "companyName", "Notes": "notes"},
      delimiter=",")

# 5. Headers that lie: a spreadsheet whose columns were pasted under the wrong titles.
write("cabeceras-enganosas.csv",
      ["Teléfono", "Email", "Fecha", "Código postal", "Nombre", "Apellidos", "DNI", "Notas"],
      [[p["email"], p["mobile"], p["postal"], p["tax"], p["given"], f'{p["s1"]} {p["s2"]}', d(p["birth"]), blank(p["note"], 0.3)]
       for p in people],
      {"Teléfono": "email", "Email": "mobilePhone", "Fecha": "postalCode", "Código postal": "taxId", "Nombre": "givenName",
       "Apellidos": "familyName1+familyName2", "DNI": "birthDate", "Notas": "notes"})

# 6. No headers at all: a header row of blank cells (columns become column_1, column_2, ...).
rows = [[i + 1, p["given"], f'{p["s1"]} {p["s2"]}', p["tax"], p["mobile"], p["email"], d(p["birth"]), p["postal"],
         p["province"], blank(p["note"], 0.4)] for i, p in enumerate(people)]
write("sin-cabeceras.csv", [""] * 10, rows,
      {"column_1": "code", "column_2": "givenName", "column_3": "familyName1+familyName2", "column_4": "taxId",
       "column_5": "mobilePhone", "column_6": "email", "column_7": "birthDate", "column_8": "postalCode",
       "column_9": "provinceCode", "column_10": "notes"})

# 7. A shop till's export: tab-separated, clipped abbreviations, capitals.
write("tpv-abreviado.tsv",
      ["Cód.", "Nom.", "Apell. 1", "Apell. 2", "NIF", "Tlf", "Tfno. fijo", "E-mail", "Dir.", "Pobl.", "CP", "Prov.",
       "Fec. nac.", "Dto. %", "VIP", "Alta"],
      [[i + 1, p["given"].upper(), p["s1"].upper(), p["s2"].upper(), p["tax"], p["mobile"], blank(p["landline"], 0.5),
        blank(p["email"].upper(), 0.3), p["street"].upper(), p["town"].upper(), p["postal"], p["province"].upper(),
        d(p["birth"]), random.choice(["0", "5", "10", "15"]), random.choice(["S", "N"]), d(p["created"])]
       for i, p in enumerate(people)],
      {"Cód.": "code", "Nom.": "givenName", "Apell. 1": "familyName1", "Apell. 2": "familyName2", "NIF": "taxId",
       "Tlf": "mobilePhone", "Tfno. fijo": "landlinePhone", "E-mail": "email", "Dir.": "street", "Pobl.": "city",
       "CP": "postalCode", "Prov.": "provinceCode", "Fec. nac.": "birthDate", "Dto. %": "discountPercent", "VIP": "vip",
       "Alta": "registeredAt"},
      delimiter="\t")

with open("expected.json", "w", encoding="utf-8") as out:
    json.dump(files, out, ensure_ascii=False, indent=2)
    out.write("\n")
