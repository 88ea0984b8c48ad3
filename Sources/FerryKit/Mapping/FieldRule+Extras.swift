import Foundation

/// Columns without a canonical field travel in extras, by name. An entry can rename the value
/// (`extra:`), take its items apart (`list:`), translate each through a table (`lookup:`) and write
/// them as a JSON array (`type: array`); such values take the general code below, on `String`s.
extension FieldRule {
    /// The name the column's value travels under in extras.
    var extraName: String { extra ?? columns[0] }

    /// The names of the extras the column's value comes from and goes to: its own, or its
    /// object's members'.
    var extraNames: [String] { members?.compactMap(\.extra) ?? [extraName] }

    /// Whether every value written to the column comes from the mapping's tables (a column without
    /// a field translated by its table, or an object whose every member is): ids, not personal data.
    var writesOnlyTableValues: Bool {
        guard fields.isEmpty, invalid != .keep else { return false }
        func filled(_ lookup: Lookup?) -> Bool { !(lookup?.isEmpty ?? true) }
        return members.map { $0.allSatisfy { $0.source == .createdCompany || filled($0.lookup) } } ?? filled(lookup)
    }

    /// Whether the column's extra takes the general code: a table with rows, items, an array or
    /// an object.
    var extraNeedsGeneralCode: Bool {
        fields.isEmpty && (!(lookup?.isEmpty ?? true) || list != nil || isArray || members != nil || forKind != nil)
    }

    /// The JSON object an `object:` entry writes (in an array of one with `type: array`): each
    /// member from its source (`value`, given the member's position in `members`), through its
    /// table, in its JSON type. A value the table lacks, or that its type cannot hold, is left out with a
    /// warning; nil when no member has a value.
    func writeObject(
        _ value: (Int) -> (text: String, kind: ValueKind)?,
        issue: (String, ValidationFailure, RecordIssue.Action) -> Void
    ) -> (text: String, kind: ValueKind)? {
        var object: [(key: String, value: String, kind: ValueKind)] = []
        for (at, member) in (members ?? []).enumerated() {
            guard let given = value(at), !given.text.isEmpty else { continue }
            guard let value = translated([given.text], through: member.lookup, reading: false, issue: issue).first
            else { continue }
            guard JSONText.fits(value, kind: member.kind, wholeNumber: member.wholeNumber) else {
                let misfit = JSONText.misfit(kind: member.kind, wholeNumber: member.wholeNumber)
                issue(value, ValidationFailure("`\(member.key)`: " + misfit.message), .dropped)
                continue
            }
            object.append((member.key, value, member.kind))
        }
        guard !object.isEmpty else { return nil }
        let text = JSONText.object(object)
        return (isArray ? "[" + text + "]" : text, .json)
    }

    /// The values an `object:` entry reads from the column's JSON object (or an array's only
    /// object), each member's value through its table, for its extra or field. The source system's
    /// own id of a company (`created:`) means nothing elsewhere: it is kept in extras as
    /// `column.key` (`companies.id_customer`), which no target writes back. A value that is no such
    /// object, or an array of several, is kept whole in extras under the column's name, noted.
    func readObject(
        _ text: String, kind: ValueKind, issue: (String, ValidationFailure, RecordIssue.Action) -> Void
    ) -> [(source: Member.Source, text: String, kind: ValueKind)] {
        var object = JSONValue(parsing: text)
        if let elements = object?.elements {
            if elements.isEmpty { return [] }
            object = elements.count == 1 ? elements[0] : nil
        }
        guard let read = object?.uniqueMembers?.map({ (key: $0.key, value: $0.value.fieldText, kind: $0.value.kind) })
        else {
            issue(
                text,
                ValidationFailure(
                    "not one JSON object\(isArray ? " in an array" : ""); kept whole in extras as `\(extraName)`"),
                .noted)
            return [(.extra(extraName), text, kind)]
        }
        var extras: [(source: Member.Source, text: String, kind: ValueKind)] = []
        for member in members ?? [] {
            guard let found = read.first(where: { $0.key == member.key }), found.kind != .null, !found.value.isEmpty
            else { continue }
            guard let value = translated([found.value], through: member.lookup, reading: true, issue: issue).first
            else { continue }
            let source = member.source == .createdCompany ? .extra(extraName + "." + member.key) : member.source
            extras.append((source, value, member.lookup?.isEmpty == false ? .string : found.kind))
        }
        return extras
    }

    /// The items of a value: a JSON array's (each as its text; also a text that is one, as a CSV
    /// cell holds it), the parts of a text split at `list:` (without the spaces around them), or the
    /// value itself.
    func items(_ text: String, kind: ValueKind) -> [String] {
        if kind == .json || kind == .string, text.first == "[", let elements = JSONValue(parsing: text)?.elements {
            return elements.compactMap { item in
                switch item {
                case .null: nil
                case .array, .object: item.compactText(sortedKeys: true)
                default: item.scalarText
                }
            }.filter { !$0.isEmpty }
        }
        guard let list, !list.isEmpty else { return text.isEmpty ? [] : [text] }
        return text.components(separatedBy: list).map(Trim.trimmed).filter { !$0.isEmpty }
    }

    /// An extra read from the column: its items, each through the table (system → canonical), as a
    /// JSON array when the entry holds a list, or one text. An item the table does not have is
    /// handled as `invalid:` says; nil when nothing is left.
    func readExtra(
        _ text: String, kind: ValueKind, issue: (String, ValidationFailure, RecordIssue.Action) -> Void
    ) -> (text: String, kind: ValueKind)? {
        let items = translated(items(text, kind: kind), through: lookup, reading: true, issue: issue)
        guard !items.isEmpty else { return nil }
        if list != nil || isArray || items.count > 1 { return (Self.array(items), .json) }
        return (items[0], lookup?.isEmpty == false ? .string : kind)
    }

    /// An extra written to the column: its items, each through the table (canonical → system),
    /// as a JSON array (`type: array`), joined with `list:`, or one value; nil when nothing is left.
    func writeExtra(
        _ text: String, kind: ValueKind, issue: (String, ValidationFailure, RecordIssue.Action) -> Void
    ) -> (text: String, kind: ValueKind)? {
        let items = translated(items(text, kind: kind), through: lookup, reading: false, issue: issue)
        guard !items.isEmpty else { return nil }
        if isArray { return (Self.array(items), .json) }
        if let list, items.count > 1 { return (items.joined(separator: list), .string) }
        if items.count > 1 { return (Self.array(items), .json) }
        return (items[0], writtenKind ?? (lookup?.isEmpty == false ? .string : kind))
    }

    /// Each item through the table, when it has rows; an item it lacks is reported and, unless
    /// `invalid: keep`, left out.
    private func translated(
        _ items: [String], through lookup: Lookup?, reading: Bool,
        issue: (String, ValidationFailure, RecordIssue.Action) -> Void
    ) -> [String] {
        guard let lookup, !lookup.isEmpty else { return items }
        return items.compactMap { item in
            if let found = lookup.translate(item, reading: reading) { return found }
            let failure = lookup.missing(item, reading: reading)
            switch invalid {
            case .reject: issue(item, failure, .rejected)
            case .drop: issue(item, failure, .dropped)
            case .keep:
                issue(item, ValidationFailure(failure.message + "; kept as it is"), .kept)
                return item
            }
            return nil
        }
    }

    /// Items as a JSON array of strings.
    private static func array(_ items: [String]) -> String {
        "[" + items.map(JSONText.quoted).joined(separator: ",") + "]"
    }
}
