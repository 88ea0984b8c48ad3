#!/usr/bin/python3
"""The .xlsx peer of scripts/bench --xlsx: openpyxl in read-only mode (streaming rows) turns the first
sheet into NDJSON, the header row naming the keys, dates as ISO days, as `ferry convert` does."""
import datetime
import json
import sys

import openpyxl

workbook = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
sheet = workbook.worksheets[0]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    rows = sheet.iter_rows(values_only=True)
    header = [str(name) for name in next(rows)]
    for row in rows:
        record = {}
        for name, value in zip(header, row):
            if isinstance(value, (datetime.date, datetime.datetime)):
                value = value.date().isoformat() if isinstance(value, datetime.datetime) else value.isoformat()
            record[name] = "" if value is None else value
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
