#!/usr/bin/env bash
# The same conversion as duckdb_convert.py, in Miller. Usage: miller_convert.sh INPUT.csv OUTPUT.ndjson
set -euo pipefail
mlr --infer-none --icsv --ifs ';' --ojsonl put '
  $name = $nombre;
  $surnames = strip($apellido1 . " " . $apellido2);
  $nif_cif = toupper(gsub($dni, "[^0-9A-Za-z]", ""));
  $phone_number = $movil == "" ? "" : "+34" . gsub($movil, "[^0-9]", "");
  $other_phone_number = $fijo == "" ? "" : "+34" . gsub($fijo, "[^0-9]", "");
  $email = tolower(strip($email));
  $company = toupper($dni) =~ "^[ABCDEFGHJNPQRSUVW]" ? "1" : "0";
  $usual_address = $direccion;
  $geo_fullname = $localidad;
  $zip_code = $codigo_postal;
  $notes = $notas;
  $birth_date = $fecha_nacimiento == "" ? "" : strftime(strptime($fecha_nacimiento, "%d/%m/%Y"), "%Y-%m-%d");
' then cut -o -f name,surnames,nif_cif,phone_number,other_phone_number,email,company,usual_address,geo_fullname,zip_code,notes,birth_date "$1" > "$2"
