/// `ferry mapping suggest`: a mapping for a file Ferry has never seen, from what its headers say
/// and what its values are. Each column gets at most one entry and each field at most one column;
/// every choice carries its confidence and its reason.
public struct MappingSuggestion: Sendable {
    /// One column's verdict.
    public struct Column: Sendable {
        public var name: String
        public var content: ColumnContent
        /// The canonical fields it maps to (two for a surnames split); empty when unmatched.
        public var fields: [CustomerField] = []
        public var confidence = 0.0
        public var reason = ""
    }

    public var file: String
    public var inputDescription: String
    public var records: Int
    public var columns: [Column]

    /// How many records are read to judge the values.
    public static let recordsRead = 5_000
    static let valuesPerColumn = 1_000

    /// Reads the start of `path` and suggests a mapping for it.
    public static func suggest(_ path: String, options: ReadOptions = ReadOptions()) throws -> MappingSuggestion {
        var options = options
        options.csv.allowRagged = true
        let input = try InputFile.open(path, options: options)
        let reader = input.reader
        var first = FirstValues()
        var batch = RecordBatch()
        while !first.isComplete, try reader.read(into: &batch) { first.add(batch) }
        return MappingSuggestion(
            file: reader.inputName, inputDescription: input.description, records: first.records,
            columns: decide(headers: reader.columns, contents: first.contents(columns: reader.columns.count)))
    }

    /// Weighs headers against values and assigns fields, surest first.
    static func decide(headers: [String], contents: [ColumnContent]) -> [Column] {
        var columns = zip(headers, contents).map { Column(name: $0, content: $1) }
        var options: [(column: Int, fields: [CustomerField], confidence: Double, reason: String)] = []
        for (index, column) in columns.enumerated() {
            for option in candidates(header: column.name, content: column.content) {
                options.append((index, option.fields, option.confidence, option.reason))
            }
        }
        options.sort { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.column < $1.column }
        var taken = Set<CustomerField>()
        for option in options where columns[option.column].fields.isEmpty {
            guard option.fields.allSatisfy({ !taken.contains($0) }) else { continue }
            columns[option.column].fields = option.fields
            columns[option.column].confidence = option.confidence
            columns[option.column].reason = option.reason
            taken.formUnion(option.fields)
        }
        return columns
    }

    /// What a column could be, each with a confidence: the header's meaning when the values agree
    /// or say nothing, the values' kind when they contradict the header or it is blank.
    static func candidates(header: String, content: ColumnContent) -> [(
        fields: [CustomerField], confidence: Double, reason: String
    )] {
        let said = HeaderVocabulary.meaning(of: header)
        let sharePercent = Int((content.share * 100).rounded())
        let valuesSay =
            "\(sharePercent)% of the values are \(content.kind == .surnames ? "two surnames" : content.kind.rawValue)"
        var result: [([CustomerField], Double, String)] = []
        let fromContent = fields(forContent: content)

        if let said {
            let headerFields: [[CustomerField]] =
                switch said.meaning {
                // "Apellido" or "Last name" holding both surnames, as Spanish customers have.
                case .field(.familyName1)
                where content.kind == .surnames && genericSurnameHeaders.contains(said.matched):
                    [[.familyName1, .familyName2], [.familyName1]]
                case .field(let field): [[field]]
                case .surnames: [[.familyName1, .familyName2]]
                case .phone:
                    switch content.kind {
                    case .landlinePhone: [[.landlinePhone], [.otherPhone]]
                    case .mobilePhone: [[.mobilePhone], [.otherPhone]]
                    default: [[.mobilePhone], [.landlinePhone], [.otherPhone]]
                    }
                }
            let headerSays = "the header '\(header)' says \(said.matched)"
            let agrees = headerFields.first.map { compatible($0, content) } ?? false
            if content.isDistinctive && !agrees {
                // The values overrule a header that says something else.
                for (rank, option) in fromContent.enumerated() {
                    result.append(
                        (
                            option, 0.9 * content.share - Double(rank) * 0.2,
                            "\(valuesSay), whatever the header '\(header)' says"
                        ))
                }
            } else {
                for (rank, option) in headerFields.enumerated() {
                    var confidence = said.confidence - Double(rank) * 0.3
                    if agrees, content.kind != .empty, content.kind != .text {
                        confidence = min(0.99, confidence + 0.04)
                    }
                    result.append(
                        (
                            option, confidence,
                            headerSays
                                + (agrees && content.kind != .text && content.kind != .empty
                                    ? ", and \(valuesSay)" : "")
                        ))
                }
            }
        } else {
            let weight = content.isDistinctive ? 0.9 : 0.6
            for (rank, option) in fromContent.enumerated() {
                result.append(
                    (
                        option, weight * content.share - Double(rank) * 0.2,
                        "\(valuesSay); the header '\(header)' says nothing"
                    ))
            }
        }
        return result.filter { $0.1 >= 0.3 }.map { (fields: $0.0, confidence: $0.1, reason: $0.2) }
    }

    /// Headers for "the surname" that do not say which one.
    static let genericSurnameHeaders: Set<String> = [
        "apellido", "last name", "lastname", "surname", "family name", "last", "cognom",
    ]

    /// The fields a kind of value fits, best first.
    static func fields(forContent content: ColumnContent) -> [[CustomerField]] {
        switch content.kind {
        case .taxId: [[.taxId]]
        case .email: [[.email]]
        case .mobilePhone: [[.mobilePhone], [.otherPhone]]
        case .landlinePhone: [[.landlinePhone], [.otherPhone]]
        case .phone: [[.mobilePhone], [.landlinePhone], [.otherPhone]]
        case .date: content.mostlyOld ? [[.birthDate], [.registeredAt]] : [[.registeredAt], [.birthDate]]
        case .postalCode: [[.postalCode]]
        case .gender: [[.gender]]
        case .province: [[.provinceCode]]
        case .provinceCode: [[.provinceCode]]
        case .countryCode: [[.countryCode]]
        case .givenName: [[.givenName]]
        case .surname: [[.familyName1], [.familyName2]]
        case .surnames: [[.familyName1, .familyName2]]
        case .street: [[.street]]
        case .sequence: [[.code]]
        case .freeText: [[.notes]]
        case .boolean, .integer, .decimal, .text, .empty: []
        }
    }

    /// Whether values of this kind can be the header's fields.
    static func compatible(_ fields: [CustomerField], _ content: ColumnContent) -> Bool {
        guard let field = fields.first else { return false }
        switch content.kind {
        case .empty, .text: return true
        case .taxId: return field == .taxId
        case .email: return field == .email
        case .mobilePhone, .landlinePhone, .phone: return field.valueType == .phone
        case .date: return field.valueType == .date
        case .postalCode: return field == .postalCode || field == .code
        case .boolean: return field.valueType == .boolean
        case .gender: return field == .gender
        case .province, .provinceCode: return field == .province || field == .provinceCode || field == .city
        case .countryCode: return field == .countryCode || field == .language
        case .sequence, .integer, .decimal:
            switch field.valueType {
            case .integer, .decimal, .boolean, .postalCode, .text: return true
            default: return false
            }
        case .givenName, .surname, .surnames, .street, .freeText:
            return field.valueType == .text
        }
    }
}

/// The first values of each column, from the first `recordsRead` records (whole batches), at most
/// `valuesPerColumn` a column: what `ColumnContent` judges, for `suggest` and `inspect` alike.
struct FirstValues {
    private var values: [[String]] = []
    /// Records looked at.
    private(set) var records = 0

    var isComplete: Bool { records >= MappingSuggestion.recordsRead }

    mutating func add(_ batch: RecordBatch) {
        guard !isComplete else { return }
        records += batch.count
        for field in batch.fields where field.hasValue {
            let column = Int(field.column)
            while values.count <= column { values.append([]) }
            if values[column].count < MappingSuggestion.valuesPerColumn { values[column].append(batch.string(field)) }
        }
    }

    /// What each of `columns` columns holds.
    func contents(columns: Int) -> [ColumnContent] {
        (0..<columns).map { ColumnContent.analyze($0 < values.count ? values[$0] : []) }
    }
}

extension MappingSuggestion.Column {
    /// A value of this column as reports show it: masked when the field it maps to, or what its
    /// values look like, is personal data.
    public func masked(_ value: String) -> String {
        if let field = fields.first, PIIMask.kind(of: field) != nil { return PIIMask.mask(value, field: field) }
        let kind: PIIMask.Kind? =
            switch content.kind {
            case .taxId: .taxId
            case .email: .email
            case .mobilePhone, .landlinePhone, .phone: .phone
            case .givenName, .surname, .surnames: .name
            case .street: .street
            case .freeText: .freeText
            case .date: content.mostlyOld ? .date : nil
            default: nil
            }
        return kind.map { PIIMask.mask(value, as: $0) } ?? value
    }
}

extension MappingSuggestion {
    /// The suggestion as a mapping file for `--from`, each entry with its confidence and reason.
    /// Names and values are written as JSON strings, which YAML reads as double-quoted scalars.
    public func yaml(name: String, date: String) -> String {
        var lines = [
            "# Suggested by `ferry mapping suggest` on \(date) for \(file)",
            "# (\(records) records looked at; \(inputDescription)).",
            "# Each entry says how sure the guess is and why: check those under 80% before you migrate.",
            "ferry: mapping 1",
            "name: \(JSONText.quoted(name))",
            "fields:",
        ]
        for column in columns where !column.fields.isEmpty {
            let percent = Int((column.confidence * 100).rounded())
            lines.append("  # \(percent)%: \(column.reason)")
            lines.append("  - column: \(JSONText.quoted(column.name))")
            if column.fields.count == 1 {
                lines.append("    field: \(column.fields[0].rawValue)")
            } else {
                lines.append("    fields: [\(column.fields.map(\.rawValue).joined(separator: ", "))]")
                lines.append("    split: surnames")
            }
            lines.append(contentsOf: details(column).map { "    " + $0 })
        }
        let unmatched = columns.filter(\.fields.isEmpty)
        if !unmatched.isEmpty {
            lines.append("# Not mapped; their values travel in `extras`, and no column is mapped twice:")
            for column in unmatched {
                let what = column.content.kind == .empty ? "always empty" : "\(column.content.kind.rawValue) values"
                let header =
                    HeaderVocabulary.meaning(of: column.name).map {
                        ", the header suggests \($0.matched) but that field is taken"
                    } ?? ""
                lines.append("#   \(column.name.isEmpty ? "(blank)" : column.name): \(what)\(header)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The keys an entry needs beyond column and field: transforms, formats, value tables.
    func details(_ column: Column) -> [String] {
        let content = column.content
        var lines: [String] = []
        let field = column.fields[0]
        switch field {
        case .givenName, .familyName1, .familyName2:
            lines.append("transforms: [collapse_spaces\(content.mostlyCapitals ? ", name_case" : "")]")
        case .street, .city, .companyName:
            lines.append("transforms: [collapse_spaces]")
        case .provinceCode:
            if content.kind != .provinceCode { lines.append("transforms: [province_code]") }
        case .gender where !content.genderValues.isEmpty:
            lines.append(
                "values: {"
                    + content.genderValues.map { "\($0.canonical): \(JSONText.quoted($0.column))" }.joined(
                        separator: ", ") + "}")
        default:
            break
        }
        if field.valueType == .date, let format = content.dateFormat, format != "yyyy-MM-dd" {
            lines.append("date_format: \(JSONText.quoted(format))")
        }
        if field.valueType == .boolean, let style = content.booleans, style != .json {
            lines.append("booleans: \(JSONText.quoted(style.rawValue))")
        }
        return lines
    }
}
