"""The Koibox export → Movin add-customer NDJSON conversion in DuckDB, doing the work of
SampleData/koibox-export.yaml → Mappings/movin.yaml: renames, both surnames in one, tax ids
normalized and upper-cased, national phones to +34 E.164, e-mails lower-cased, dd/mm/yyyy → ISO.
(It checks less than Ferry: no DNI letter, no phone plan, no e-mail syntax.)
The input may also be the same export as NDJSON (scripts/bench --json): read_json, every key
text, empty strings taken as missing as read_csv takes empty fields.
Usage: python duckdb_convert.py INPUT.csv|INPUT.ndjson OUTPUT.ndjson"""
import sys

import duckdb

source, target = sys.argv[1], sys.argv[2]
KEYS = ("code nombre apellido1 apellido2 dni movil fijo email direccion localidad codigo_postal provincia "
        "fecha_nacimiento sexo is_suscrito_newsletter notas").split()
if source.endswith(".ndjson"):
    columns = ", ".join(f"'{key}': 'VARCHAR'" for key in KEYS)
    # Empty strings taken as missing, as read_csv takes empty fields.
    keys = ", ".join(f"nullif({key}, '') AS {key}" for key in KEYS)
    reader = f"(SELECT {keys} FROM read_json('{source}', format='newline_delimited', columns={{{columns}}}))"
else:
    reader = f"read_csv('{source}', delim=';', header=true, all_varchar=true, quote='\"')"
duckdb.sql(f"""
COPY (
  SELECT
    nombre AS name,
    nullif(concat_ws(' ', nullif(apellido1, ''), nullif(apellido2, '')), '') AS surnames,
    nullif(upper(regexp_replace(dni, '[^0-9A-Za-z]', '', 'g')), '') AS nif_cif,
    CASE WHEN movil <> '' THEN '+34' || right(regexp_replace(movil, '[^0-9]', '', 'g'), 9) END AS phone_number,
    CASE WHEN fijo <> '' THEN '+34' || right(regexp_replace(fijo, '[^0-9]', '', 'g'), 9) END AS other_phone_number,
    nullif(lower(trim(email)), '') AS email,
    CASE WHEN regexp_matches(upper(dni), '^[ABCDEFGHJNPQRSUVW]') THEN '1' ELSE '0' END AS company,
    nullif(direccion, '') AS usual_address,
    nullif(localidad, '') AS geo_fullname,
    nullif(codigo_postal, '') AS zip_code,
    nullif(notas, '') AS notes,
    strftime(try_strptime(fecha_nacimiento, '%d/%m/%Y'), '%Y-%m-%d') AS birth_date
  FROM {reader}
) TO '{target}' (FORMAT JSON)
""")
