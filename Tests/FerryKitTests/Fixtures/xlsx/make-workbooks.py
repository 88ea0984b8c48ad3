#!/usr/bin/python3
"""Makes the workbooks the .xlsx tests read (XLSXTests.swift); run it from this folder with Debian's
python3-openpyxl. The files are committed: the tests read them as they are, and check Ferry's reading
of each against openpyxl's.

clientes-openpyxl.xlsx   shared strings, a hidden first sheet, a title row and a blank row above the
                         header, dates in built-in and custom formats (and before 1900-03-01),
                         date-times, a time, whole and decimal numbers, booleans, an error, a formula
                         without a cached value, cells left out of a row, a row wider than the header,
                         text with line breaks and XML's special characters, postal codes as text
mac1904-openpyxl.xlsx    the 1904 date system
handmade-prefixed.xlsx   XML written by hand as OpenXML SDK exporters write it (the x: prefix, parts
                         under other names, rich text and phonetic runs, no r attributes)
merged-openpyxl.xlsx     header cells merged across columns (B1:D1, and F1:G1 past the last name)
protected-msoffcrypto.xlsx  mac1904-openpyxl.xlsx encrypted with the password "secreto" by
                         msoffcrypto-tool 5 (PyPI), as Excel encrypts a workbook (an OLE file):
    OOXMLFile(open("mac1904-openpyxl.xlsx", "rb")).encrypt("secreto", open(OUT, "wb"))
clientes-libxlsxwriter.xlsx is written by Ferry itself (libxlsxwriter, constant memory: inline strings),
    from the first:
    ferry convert clientes-openpyxl.xlsx -o clientes-libxlsxwriter.xlsx
"""
import datetime

import openpyxl

wb = openpyxl.Workbook()
hidden = wb.active
hidden.title = "Oculta"
hidden.append(["no", "leer"])
hidden.sheet_state = "hidden"
ws = wb.create_sheet("Clientes")
wb.active = 1
ws.append(["Listado de clientes, diciembre"])
ws.append([])
ws.append(["nombre", "apellido1", "dni", "movil", "codigo_postal", "fecha_nacimiento", "alta", "hora", "saldo",
           "is_suscrito_newsletter", "notas"])
ws.append(["Ana", "Ruiz Pérez", "12345678Z", "612345678", "08001", datetime.date(1990, 5, 12),
           datetime.datetime(2021, 3, 4, 10, 30, 15), datetime.time(9, 45), 1250, True, "línea 1\nlínea 2"])
ws.append(["Luis", "Gil", "X1234567L", 612345679, "28013", datetime.datetime(1985, 1, 2), None, None, 99.95, False,
           'comillas "dobles" & <etiquetas>'])
ws.append([])
ws["A7"] = "Eva"
ws["C7"] = "00000000T"
ws["F7"] = 32874
ws["F7"].number_format = "dd/mm/yyyy"
ws["G7"] = 44197.5
ws["G7"].number_format = "dd/mm/yyyy hh:mm"
ws["I7"] = -3
ws["K7"] = "#N/A"
ws["L7"] = "más allá del encabezado"
ws["A8"] = "Óscar"
ws["B8"] = "Núñez"
ws["F8"] = 59
ws["F8"].number_format = "mm-dd-yy"
ws["I8"] = "=1+1"
ws["J8"] = 1
ws.append(["Íñigo", "Zubizarreta", "", " 611 22 33 44 ", "01001", datetime.date(1900, 3, 1), None, None, 0.1])
other = wb.create_sheet("Otra")
other.append(["a", "b"])
other.append([1.5, "x"])
wb.save("clientes-openpyxl.xlsx")

wb = openpyxl.Workbook()
wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
ws = wb.active
ws.title = "Mac"
ws.append(["nombre", "fecha_nacimiento", "ultima_cita"])
ws.append(["Ana", datetime.date(1990, 5, 12), datetime.datetime(2024, 2, 29, 18, 0)])
ws.append(["Bea", datetime.date(1904, 1, 1), None])
wb.save("mac1904-openpyxl.xlsx")

wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Fusionadas"
ws.append(["nombre", "dirección", None, None, "email", "teléfonos"])
ws.merge_cells("B1:D1")
ws.merge_cells("F1:G1")
ws.append(["Ana", "Calle Mayor 1", "28013", "Madrid", "ana@example.es", "612345678", "912345678"])
wb.save("merged-openpyxl.xlsx")

# Written by hand, as exporters built on the OpenXML SDK write: every element with the `x:` prefix,
# rich-text shared strings with a phonetic reading, an inline string in runs, cells and rows without
# `r`, leading spaces kept with xml:space, a custom date format, a string formula and a boolean.
import zipfile

NS = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
parts = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/hoja.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/strings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '</Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="R1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/workbook.xml"/>'
        '</Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:workbook {NS}><x:sheets>'
        '<x:sheet name="Clientes" sheetId="1" r:id="R7"/></x:sheets></x:workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="R7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/hoja.xml"/>'
        '<Relationship Id="R8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>'
        '<Relationship Id="R9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '</Relationships>',
    "xl/strings.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:sst {NS} count="5" uniqueCount="5">'
        '<x:si><x:t>nombre</x:t></x:si><x:si><x:t>nacimiento</x:t></x:si><x:si><x:t>notas</x:t></x:si>'
        '<x:si><x:r><x:rPr><x:b/></x:rPr><x:t xml:space="preserve">Ana </x:t></x:r><x:r><x:t>María</x:t></x:r>'
        '<x:rPh sb="0" eb="3"><x:t>アナ</x:t></x:rPh></x:si>'
        '<x:si><x:t xml:space="preserve">  con espacios  </x:t></x:si><x:si><x:t>vip</x:t></x:si></x:sst>',
    "xl/styles.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:styleSheet {NS}>'
        '<x:numFmts count="1"><x:numFmt numFmtId="170" formatCode="[$-C0A]d &quot;de&quot; mmmm &quot;de&quot; yyyy;@"/></x:numFmts>'
        '<x:fonts count="1"><x:font><x:sz val="11"/><x:name val="Calibri"/></x:font></x:fonts>'
        '<x:fills count="1"><x:fill><x:patternFill patternType="none"/></x:fill></x:fills>'
        '<x:borders count="1"><x:border/></x:borders>'
        '<x:cellStyleXfs count="1"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></x:cellStyleXfs>'
        '<x:cellXfs count="2"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<x:xf numFmtId="170" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></x:cellXfs>'
        '</x:styleSheet>',
    "xl/worksheets/hoja.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet {NS}><x:sheetData>'
        '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c><x:c t="s"><x:v>5</x:v></x:c></x:row>'
        '<x:row><x:c t="s"><x:v>3</x:v></x:c><x:c s="1"><x:v>32874</x:v></x:c><x:c t="s"><x:v>4</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c></x:row>'
        '<x:row><x:c t="inlineStr"><x:is><x:r><x:t>Luis</x:t></x:r><x:r><x:t xml:space="preserve"> Gil</x:t></x:r></x:is></x:c>'
        '<x:c s="1"><x:v>36526</x:v></x:c><x:c t="str"><x:f>CONCAT("a";"b")</x:f><x:v>ab</x:v></x:c><x:c t="b"><x:v>0</x:v></x:c></x:row>'
        '</x:sheetData></x:worksheet>',
}
with zipfile.ZipFile("handmade-prefixed.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        z.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 3, 0, 0, 0)), text)
