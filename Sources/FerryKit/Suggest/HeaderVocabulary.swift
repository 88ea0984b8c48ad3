/// What column headers say, in Spanish and English exports: each canonical field's names,
/// abbreviations and spellings, compared accent-, case- and punctuation-insensitively.
enum HeaderVocabulary {
    /// What a header names: one field, both surnames at once, or "a phone" (the values decide which).
    enum Meaning: Hashable, Sendable {
        case field(CustomerField)
        case surnames
        case phone
    }

    /// Lower case, no accents, every run of other characters one space: `"Tel. Móvil"` → `"tel movil"`.
    static func fold(_ text: String) -> String {
        var out = ""
        var space = false
        for scalar in text.lowercased().unicodeScalars {
            let base = unaccented(scalar)
            let folded: Character? = base.properties.isAlphabetic || ("0"..."9").contains(base) ? Character(base) : nil
            if let folded {
                if space, !out.isEmpty { out.append(" ") }
                out.append(folded)
                space = false
            } else {
                space = true
            }
        }
        return out
    }

    /// The same without spaces, so `D.N.I.`, `d n i` and `dni` meet.
    static func compact(_ folded: String) -> String { folded.filter { $0 != " " } }

    /// Names by meaning, folded. The longest name a header contains decides when none is exact.
    static let names: [(Meaning, [String])] = [
        (
            .field(.givenName),
            [
                "nombre", "nom", "nombre cliente", "nombre de pila", "first name", "firstname", "given name",
                "forename", "name", "nombre del cliente", "nombre paciente", "first",
            ]
        ),
        (
            .field(.familyName1),
            [
                "primer apellido", "apellido1", "apellido 1", "1er apellido", "apellido", "apellido paterno", "apell 1",
                "apell1", "ape1", "ape 1", "apellido uno",
                "last name", "lastname", "surname", "family name", "apellido primero", "cognom", "cognom1", "last",
            ]
        ),
        (
            .field(.familyName2),
            [
                "segundo apellido", "apellido2", "apellido 2", "2o apellido", "apellido materno", "second surname",
                "apell 2", "apell2", "ape2", "ape 2",
                "second last name", "cognom2", "segon cognom",
            ]
        ),
        (.surnames, ["apellidos", "surnames", "last names", "cognoms", "apellidos cliente"]),
        (
            .field(.companyName),
            [
                "empresa", "razon social", "company", "company name", "account name", "organizacion",
                "organization", "organisation", "nombre empresa", "nombre comercial", "entidad", "sociedad",
            ]
        ),
        (
            .field(.code),
            [
                "codigo", "cod", "code", "id cliente", "customer id", "n cliente", "no cliente", "num cliente",
                "numero cliente", "numero de cliente", "ref", "referencia", "id", "customer number", "ficha", "n ficha",
                "codigo cliente", "record id", "contact id",
            ]
        ),
        (.field(.sourceId), ["id externo", "external id"]),
        (
            .field(.taxId),
            [
                "nif", "dni", "nie", "cif", "dni nif", "nif cif", "nif nie", "dni nie", "documento", "doc identidad",
                "documento identidad", "documento de identidad", "tax id", "vat", "vat number", "vat id", "id number",
                "national id", "nif dni", "n documento", "num documento", "identificacion", "nif dni nie",
            ]
        ),
        (
            .field(.mobilePhone),
            [
                "movil", "tel movil", "telefono movil", "tlf movil", "tfno movil", "telf movil", "celular",
                "mobile", "mobile phone", "mobile number", "mobile phone number", "cell", "cell phone", "cellphone",
                "n movil", "numero movil", "whatsapp numero",
            ]
        ),
        (
            .field(.landlinePhone),
            [
                "telefono fijo", "fijo", "tel fijo", "tlf fijo", "tfno fijo", "landline", "home phone",
                "telefono casa", "tel casa", "telefono particular",
            ]
        ),
        (
            .field(.otherPhone),
            [
                "otro telefono", "telefono 2", "tel 2", "telefono2", "other phone", "work phone", "telefono trabajo",
                "business phone", "fax",
            ]
        ),
        (
            .phone,
            [
                "telefono", "tel", "tlf", "tfno", "telf", "tfn", "phone", "phone number", "telephone", "telefono 1",
                "telefono1",
                "contacto telefonico", "numero de telefono",
            ]
        ),
        (
            .field(.email),
            [
                "email", "e mail", "correo", "correo electronico", "mail", "email address", "e mail address",
                "correo e", "emails", "direccion de correo", "direccion email", "email 1", "email1", "primary email",
            ]
        ),
        (
            .field(.street),
            [
                "direccion", "domicilio", "calle", "address", "street", "street address", "mailing street",
                "direccion postal", "via", "address line 1", "address 1", "dir", "direc", "domicili", "adreca",
                "billing street",
            ]
        ),
        (
            .field(.city),
            [
                "poblacion", "pobl", "localidad", "loc", "ciudad", "municipio", "city", "town", "mailing city",
                "poblacio", "localitat",
                "billing city", "municipi",
            ]
        ),
        (
            .field(.postalCode),
            [
                "cp", "codigo postal", "cod postal", "zip", "zip code", "zipcode", "postal code", "postcode",
                "mailing zip postal code", "cod post", "c postal", "billing zip postal code", "codi postal",
                "zip postal code",
            ]
        ),
        (
            .field(.provinceCode),
            [
                "provincia", "prov", "state", "province", "region", "mailing state province", "state province",
                "billing state province", "provincia estado",
            ]
        ),
        (
            .field(.countryCode),
            ["pais", "country", "country code", "mailing country", "nacionalidad", "billing country", "pais codigo"]
        ),
        (
            .field(.birthDate),
            [
                "fecha nacimiento", "f nacimiento", "fecha de nacimiento", "fecha nac", "f nac", "nacimiento",
                "birth date", "birthdate", "date of birth", "dob", "cumpleanos", "birthday", "fnac", "data naixement",
                "fec nac", "fecha nacim",
            ]
        ),
        (.field(.gender), ["sexo", "genero", "gender", "sex", "sexe"]),
        (.field(.language), ["idioma", "language", "lengua", "preferred language", "idioma preferido"]),
        (
            .field(.notes),
            [
                "observaciones", "obs", "notas", "nota", "comentarios", "comentario", "notes", "note", "comments",
                "description", "descripcion", "remarks", "observacions", "anotaciones",
            ]
        ),
        (
            .field(.clinicalNotes),
            [
                "historial clinico", "historia clinica", "antecedentes", "alergias", "notas clinicas",
                "clinical notes", "medical notes", "anamnesis", "informacion clinica", "patologias",
            ]
        ),
        (
            .field(.consentNewsletter),
            [
                "newsletter", "acepta publicidad", "publicidad", "suscrito newsletter", "boletin",
                "acepta newsletter", "marketing opt in", "opt in marketing", "marketing emails opt in",
                "acepta comunicaciones comerciales", "comunicaciones comerciales", "email opt in",
            ]
        ),
        (.field(.consentSms), ["sms", "acepta sms", "consentimiento sms", "sms opt in", "notificaciones sms"]),
        (.field(.consentEmail), ["acepta email", "consentimiento email", "notificaciones email", "acepta correo"]),
        (.field(.consentWhatsapp), ["whatsapp", "acepta whatsapp", "consentimiento whatsapp", "whatsapp opt in"]),
        (.field(.consentSurveys), ["encuestas", "acepta encuestas", "surveys", "survey opt in"]),
        (.field(.active), ["activo", "active", "is active", "de baja", "estado activo"]),
        (.field(.vip), ["vip", "cliente vip", "is vip"]),
        (.field(.rating), ["valoracion", "rating", "puntuacion", "estrellas", "stars"]),
        (
            .field(.discountPercent),
            ["descuento", "dto", "discount", "descuento porcentaje", "discount percent", "dto porcentaje"]
        ),
        (
            .field(.registeredAt),
            [
                "fecha alta", "alta", "f alta", "fecha de alta", "created", "created at", "created date",
                "date created", "registration date", "fecha registro", "create date", "fecha de registro",
                "cliente desde", "customer since", "alta cliente",
            ]
        ),
        (
            .field(.origin),
            [
                "origen", "procedencia", "fuente", "source", "lead source", "como nos conocio", "canal",
                "como nos ha conocido", "captacion", "medio",
            ]
        ),
        (.field(.lifecycle), ["lead or customer", "lifecycle stage", "tipo contacto", "etapa"]),
        (
            .field(.kind),
            ["tipo persona", "tipo de persona", "persona fisica juridica", "person or company", "tipo cliente"]
        ),
    ]

    private static let exact: [String: Meaning] = {
        var table: [String: Meaning] = [:]
        for (meaning, list) in names {
            for name in list {
                if table[name] == nil { table[name] = meaning }
                let squeezed = compact(name)
                if table[squeezed] == nil { table[squeezed] = meaning }
            }
        }
        return table
    }()

    /// What a header means, and how sure: 0.95 for a known name, 0.75 for a header that contains
    /// one as whole words (the longest wins), nil when it says nothing.
    static func meaning(of header: String) -> (meaning: Meaning, confidence: Double, matched: String)? {
        let folded = fold(header)
        guard !folded.isEmpty, !folded.hasPrefix("column ") else { return nil }
        if let meaning = exact[folded] ?? exact[compact(folded)] { return (meaning, 0.95, folded) }
        let padded = " " + folded + " "
        var best: (Meaning, String)?
        for (meaning, list) in names {
            for name in list where name.count > (best?.1.count ?? 2) && padded.contains(" " + name + " ") {
                best = (meaning, name)
            }
        }
        return best.map { ($0.0, 0.75, $0.1) }
    }
}
