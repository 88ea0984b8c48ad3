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
