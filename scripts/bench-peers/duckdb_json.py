"""The JSON peer of scripts/bench --json: DuckDB's read_json turns NDJSON or a JSON array of records
into CSV, the header naming every key, as `ferry convert IN.ndjson -o OUT.csv` does.
Usage: python duckdb_json.py INPUT.ndjson|INPUT.json OUTPUT.csv"""
import sys

import duckdb

source, target = sys.argv[1], sys.argv[2]
duckdb.sql(f"COPY (SELECT * FROM read_json('{source}', format='auto')) TO '{target}' (FORMAT CSV, HEADER)")
