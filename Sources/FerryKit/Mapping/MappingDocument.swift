import Yams

/// A mapping file as written, before it is checked against the canonical model: the YAML read with
/// Yams, every value with the line it came from, so errors can point at the line to fix.
struct MappingDocument {
    /// A value of the file and where it is.
    struct Located<Value> {
        var value: Value
        var line: Int
    }

    /// One entry of `fields:`.
    struct Entry {
        var line: Int
        var columns: [String] = []
        var fields: [Located<String>] = []
        var transforms: [Located<TransformSpec>] = []
        var values: [(canonical: String, column: String, line: Int)]?
        var lookup: Located<String>?
        var split: Located<String>?
        var join: String?
        var dateFormat: Located<String>?
        var booleans: Located<String>?
        var phones: Located<String>?
        var decimalComma: Bool?
        var jsonType: Located<String>?
        var constant: String?
        var defaultValue: String?
        var required = false
        var readOnly = false
        var writeOnly = false
        var sensitive: Located<String>?
        var invalid: Located<String>?
        var systemDefault: Bool?
        var fallbackColumn: Located<String>?
        var onClash: Located<String>?
        var note: String?
        /// `extra:` the name a column without a field travels under in extras (default: the column).
        var extra: Located<String>?
        /// `list:` the separator of the items a column holds.
        var list: Located<String>?
        /// `object:` the members of a JSON object built from extras.
        var object: [Member]?
        /// `for: person|company`: the entry is written only for customers of that kind.
        var forKind: Located<String>?
    }

    /// A member of an `object:` entry: its key, what gives its value (an extra, default the key; a
    /// canonical field, `field:`; or the id the target gave a company created earlier in the same
    /// migration, `created: company`), a table, and its JSON type.
    struct Member {
        var key: String
        var extra: String?
        var field: Located<String>?
        var created: Located<String>?
        var lookup: Located<String>?
        var jsonType: Located<String>?
        var line: Int
    }

    static let memberKeys = ["key", "extra", "field", "created", "lookup", "type"]

    /// A transform as named in the file: `trim`, or `{json_key: text}`.
    struct TransformSpec {
        var name: String
        var argument: String?
    }

    var file: String
    var name: String?
    var description: String?
    var extends: Located<String>?
    var region: Located<String>?
    var dateFormat: Located<String>?
    var booleans: Located<String>?
    var phones: Located<String>?
    var extrasColumn: String?
    var entries: [Entry] = []
    var tables: [String: Located<[(key: String, value: String, line: Int)]>] = [:]
    var api: APIDescription?

    static let topLevelKeys = [
        "ferry", "name", "description", "extends", "region", "dates", "booleans", "phones", "extras", "fields",
        "tables", "api",
    ]
    static let entryKeys = [
        "column", "columns", "field", "fields", "transforms", "values", "lookup", "split", "join", "date_format",
        "booleans", "phones", "decimal", "type", "value", "default", "required", "read_only", "write_only",
        "sensitive",
        "invalid", "system_default", "fallback_column", "on_clash", "note", "extra", "list", "object", "for",
    ]

    /// Reads a mapping file's text; `file` names it in errors.
    init(yaml: String, file: String) throws(FerryError) {
        self.file = file
        let root: Node
        do {
            // Every value is read as text and checked by Ferry, so no YAML type resolution is
            // needed: the basic resolver keeps large mappings fast (its regex-based default
            // took most of the time of a 100,000-entry file).
            guard let node = try Yams.compose(yaml: yaml, .basic) else {
                throw FerryError(
                    .mapping, "the mapping file is empty", at: Location(file: file),
                    hint: "start from `ferry mapping suggest INPUT` or a file in Mappings/")
            }
            root = node
        } catch let error as FerryError {
            throw error
        } catch let error as YamlError {
            throw MappingDocument.yamlError(error, file: file)
        } catch {
            throw FerryError(.mapping, "cannot read the mapping: \(error)", at: Location(file: file))
        }
        guard let top = root.mapping else { throw fail("a mapping file is a YAML mapping with `fields:`", at: root) }
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            switch key {
            case "ferry":
                guard value.string == "mapping 1" else {
                    throw fail("`ferry:` must say `mapping 1` (the only version of the format)", at: value)
                }
            case "name": name = try string(value, key)
            case "description": description = try string(value, key)
            case "extends": extends = Located(value: try string(value, key), line: line(value))
            case "region": region = Located(value: try string(value, key), line: line(value))
            case "dates": dateFormat = Located(value: try string(value, key), line: line(value))
            case "booleans": booleans = Located(value: try string(value, key), line: line(value))
            case "phones": phones = Located(value: try string(value, key), line: line(value))
            case "extras": extrasColumn = try string(value, key)
            case "fields":
                guard let list = value.sequence else {
                    throw fail("`fields:` is a list of entries, each starting with `- column:`", at: value)
                }
                for item in list { entries.append(try entry(item)) }
            case "tables":
                guard let mapping = value.mapping else {
                    throw fail("`tables:` maps a table name to its entries", at: value)
                }
                for (nameNode, body) in mapping {
                    let tableName = try string(nameNode, "table name")
                    var rows: [(key: String, value: String, line: Int)] = []
                    if let pairs = body.mapping {
                        for (k, v) in pairs {
                            guard let keyText = k.string, let valueText = v.string, !valueText.isEmpty else {
                                throw fail(
                                    "table `\(tableName)`: the entry `\(k.string ?? "?")` has no value; give the value the target system expects",
                                    at: v)
                            }
                            rows.append((keyText, valueText, line(k)))
                        }
                    } else if !(body.scalar.map { $0.string.isEmpty || $0.string == "null" || $0.string == "~" }
                        ?? false)
                    {
                        throw fail(
                            "table `\(tableName)` maps values to values, one `source: target` per line", at: body)
                    }
                    tables[tableName] = Located(value: rows, line: line(nameNode))
                }
            case "api": api = try apiDescription(value)
            default:
                throw fail(
                    "unknown key `\(key)`; a mapping file has \(MappingDocument.topLevelKeys.map { "`\($0)`" }.joined(separator: ", "))",
                    at: keyNode)
            }
        }
    }

    private func entry(_ node: Node) throws(FerryError) -> Entry {
        guard let pairs = node.mapping else {
            throw fail(
                "each entry of `fields:` is a mapping such as `- column: nombre` / `  field: givenName`", at: node)
        }
        var entry = Entry(line: line(node))
        for (keyNode, value) in pairs {
            let key = keyNode.string ?? ""
            switch key {
            case "column": entry.columns = [try string(value, key)]
            case "columns":
                guard let list = value.sequence, !list.isEmpty else {
                    throw fail("`columns:` is a list of column names", at: value)
                }
                entry.columns = try list.map { node throws(FerryError) in try string(node, key) }
            case "field": entry.fields = [Located(value: try string(value, key), line: line(value))]
            case "fields":
                guard let list = value.sequence, !list.isEmpty else {
                    throw fail("`fields:` in an entry is a list of canonical fields", at: value)
                }
                entry.fields = try list.map { node throws(FerryError) in
                    Located(value: try string(node, key), line: line(node))
                }
            case "transforms":
                guard let list = value.sequence else {
                    throw fail("`transforms:` is a list, for example `[trim, collapse_spaces]`", at: value)
                }
                for item in list {
                    if let name = item.string {
                        entry.transforms.append(Located(value: TransformSpec(name: name), line: line(item)))
                    } else if let pair = item.mapping, pair.count == 1, let name = pair.first?.key.string,
                        let argument = pair.first?.value.string
                    {
                        entry.transforms.append(
                            Located(value: TransformSpec(name: name, argument: argument), line: line(item)))
                    } else {
                        throw fail(
                            "a transform is a name (`trim`) or a name with one argument (`{json_key: text}`)", at: item)
                    }
                }
            case "values":
                guard let pairs = value.mapping else {
                    throw fail(
                        "`values:` maps canonical values to the system's, for example `{female: m, male: h}`", at: value
                    )
                }
                entry.values = try pairs.map { pair throws(FerryError) in
                    (try string(pair.key, "values"), try string(pair.value, "values"), line(pair.key))
                }
            case "lookup": entry.lookup = Located(value: try string(value, key), line: line(value))
            case "split": entry.split = Located(value: try string(value, key), line: line(value))
            case "join": entry.join = try string(value, key, allowEmpty: true)
            case "date_format": entry.dateFormat = Located(value: try string(value, key), line: line(value))
            case "booleans": entry.booleans = Located(value: try string(value, key), line: line(value))
            case "phones": entry.phones = Located(value: try string(value, key), line: line(value))
            case "decimal":
                let text = try string(value, key)
                guard text == "comma" || text == "point" else {
                    throw fail("`decimal:` is `comma` (12,50) or `point` (12.50)", at: value)
                }
                entry.decimalComma = text == "comma"
            case "type": entry.jsonType = Located(value: try string(value, key), line: line(value))
            case "value": entry.constant = try string(value, key, allowEmpty: true)
            case "default": entry.defaultValue = try string(value, key, allowEmpty: true)
            case "required": entry.required = try bool(value, key)
            case "read_only": entry.readOnly = try bool(value, key)
            case "write_only": entry.writeOnly = try bool(value, key)
            case "sensitive": entry.sensitive = Located(value: try string(value, key), line: line(value))
            case "invalid": entry.invalid = Located(value: try string(value, key), line: line(value))
            case "system_default": entry.systemDefault = try bool(value, key)
            case "fallback_column": entry.fallbackColumn = Located(value: try string(value, key), line: line(value))
            case "on_clash": entry.onClash = Located(value: try string(value, key), line: line(value))
            case "note": entry.note = try string(value, key, allowEmpty: true)
            case "extra": entry.extra = Located(value: try string(value, key), line: line(value))
            case "list": entry.list = Located(value: try string(value, key), line: line(value))
            case "object":
                guard let list = value.sequence, !list.isEmpty else {
                    throw fail(
                        "`object:` is a list of members, for example `- key: id_customer_type` / `  extra: tipo`",
                        at: value)
                }
                entry.object = try list.map { node throws(FerryError) in try member(node) }
            case "for": entry.forKind = Located(value: try string(value, key), line: line(value))
            default:
                throw fail(
                    "unknown key `\(key)` in a field entry; allowed: \(MappingDocument.entryKeys.joined(separator: ", "))",
                    at: keyNode)
            }
        }
        guard !entry.columns.isEmpty else {
            throw fail("this entry has no `column:` (the name in the system's records)", at: node)
        }
        return entry
    }

    private func member(_ node: Node) throws(FerryError) -> Member {
        guard let pairs = node.mapping else {
            throw fail("each member of `object:` is a mapping such as `- key: id_customer_type`", at: node)
        }
        var member = Member(key: "", line: line(node))
        for (keyNode, value) in pairs {
            let key = keyNode.string ?? ""
            switch key {
            case "key": member.key = try string(value, key)
            case "extra": member.extra = try string(value, key)
            case "field": member.field = Located(value: try string(value, key), line: line(value))
            case "created": member.created = Located(value: try string(value, key), line: line(value))
            case "lookup": member.lookup = Located(value: try string(value, key), line: line(value))
            case "type": member.jsonType = Located(value: try string(value, key), line: line(value))
            default:
                throw fail(
                    "unknown key `\(key)` in a member of `object:`; allowed: \(MappingDocument.memberKeys.joined(separator: ", "))",
                    at: keyNode)
            }
        }
        guard !member.key.isEmpty else { throw fail("this member of `object:` has no `key:`", at: node) }
        return member
    }

    func line(_ node: Node) -> Int { (node.mark?.line ?? 0) }

    func fail(_ message: String, at node: Node) -> FerryError {
        FerryError(
            .mapping, message, at: Location(file: file, line: node.mark?.line),
            hint: "see docs/mappings.md for the format")
    }

    func fail(_ message: String, line: Int) -> FerryError {
        FerryError(.mapping, message, at: Location(file: file, line: line), hint: "see docs/mappings.md for the format")
    }

    private func string(_ node: Node, _ key: String, allowEmpty: Bool = false) throws(FerryError) -> String {
        guard let scalar = node.scalar else { throw fail("`\(key)` takes a single value here", at: node) }
        guard allowEmpty || !scalar.string.isEmpty else { throw fail("`\(key)` is empty", at: node) }
        return scalar.string
    }

    private func bool(_ node: Node, _ key: String) throws(FerryError) -> Bool {
        switch node.string {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw fail("`\(key)` is `true` or `false`", at: node)
        }
    }

    private static func yamlError(_ error: YamlError, file: String) -> FerryError {
        let (mark, problem): (Mark?, String) =
            switch error {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _),
                let .composer(_, problem, mark, _):
                (mark, problem)
            case let .duplicatedKeysInMapping(duplicates, _):
                (nil, "the key \(duplicates.joined(separator: ", ")) appears twice in one mapping")
            default: (nil, "\(error)")
            }
        return FerryError(
            .mapping, "not valid YAML: \(problem)",
            at: Location(file: file, line: mark?.line, lineColumn: mark?.column),
            hint: "check the indentation and quoting at that line")
    }
}
