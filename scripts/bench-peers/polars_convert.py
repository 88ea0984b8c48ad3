"""The same conversion as duckdb_convert.py, in Polars (streaming where Polars can).
The input may also be the same export as NDJSON (scripts/bench --json): scan_ndjson, every key
text, empty strings taken as missing as scan_csv takes empty fields.
Usage: python polars_convert.py INPUT.csv|INPUT.ndjson OUTPUT.ndjson"""
import sys

import polars as pl

source, target = sys.argv[1], sys.argv[2]
def phone(column):
    digits = pl.col(column).str.replace_all(r"[^0-9]", "").str.slice(-9)
    return pl.when(pl.col(column).is_not_null()).then(pl.lit("+34") + digits)

KEYS = ("code nombre apellido1 apellido2 dni movil fijo email direccion localidad codigo_postal provincia "
        "fecha_nacimiento sexo is_suscrito_newsletter notas").split()
if source.endswith(".ndjson"):
    frame = pl.scan_ndjson(source, schema={key: pl.String for key in KEYS}).with_columns(
        pl.when(pl.all().str.len_bytes() > 0).then(pl.all()).name.keep())
else:
    frame = pl.scan_csv(source, separator=";", infer_schema=False)
frame = frame.select(
    pl.col("nombre").alias("name"),
    pl.concat_str([pl.col("apellido1"), pl.col("apellido2")], separator=" ", ignore_nulls=True).alias("surnames"),
    pl.col("dni").str.replace_all(r"[^0-9A-Za-z]", "").str.to_uppercase().alias("nif_cif"),
    phone("movil").alias("phone_number"),
    phone("fijo").alias("other_phone_number"),
    pl.col("email").str.strip_chars().str.to_lowercase().alias("email"),
    pl.when(pl.col("dni").str.to_uppercase().str.contains(r"^[ABCDEFGHJNPQRSUVW]").fill_null(False)).then(pl.lit("1")).otherwise(pl.lit("0")).alias("company"),
    pl.col("direccion").alias("usual_address"),
    pl.col("localidad").alias("geo_fullname"),
    pl.col("codigo_postal").alias("zip_code"),
    pl.col("notas").alias("notes"),
    pl.col("fecha_nacimiento").str.strptime(pl.Date, "%d/%m/%Y", strict=False).dt.strftime("%Y-%m-%d").alias("birth_date"),
)
frame.sink_ndjson(target)
