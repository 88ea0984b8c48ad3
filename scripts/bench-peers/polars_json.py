"""The JSON peer of scripts/bench --json: Polars reads NDJSON lazily (scan_ndjson) or a JSON array
(read_json) and writes CSV, the header naming every key, as `ferry convert IN -o OUT.csv` does.
Usage: python polars_json.py INPUT.ndjson|INPUT.json OUTPUT.csv"""
import sys

import polars as pl

source, target = sys.argv[1], sys.argv[2]
if source.endswith(".ndjson"):
    pl.scan_ndjson(source, infer_schema_length=None).sink_csv(target)
else:
    pl.read_json(source).write_csv(target)
