import Foundation

/// The report's formats, chosen by the `--report` file's extension.
public enum ReportFormat: String, Sendable, CaseIterable {
    case json, markdown = "md", html

    public init?(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".json") {
            self = .json
        } else if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") {
            self = .markdown
        } else if lower.hasSuffix(".html") || lower.hasSuffix(".htm") {
            self = .html
        } else {
            return nil
        }
    }

    public func render(_ report: RunReport) throws -> String {
        switch self {
        case .json: try report.jsonText()
        case .markdown: report.markdown()
        case .html: report.html()
        }
    }
}

/// Words and numbers every format shares.
extension RunReport {
    var title: String {
        let from = input.path == "-" ? "standard input" : input.path
        return switch kind {
        case .plan: "Plan: \(from), \(source.name) → \(target.name)"
        case .convert: "Conversion: \(from), \(source.name) → \(target.name)"
        case .migrate: "Migration: \(from), \(source.name) → \(target.name)"
        }
    }

    var duration: String { formatSeconds(seconds) }

    /// "would be written" for a plan, "created" for a migration, "written" for a conversion.
    var writtenLabel: String { kind == .plan ? "would be written" : kind == .migrate ? "created" : "written" }

    var totalsRows: [(String, Int)] {
        [
            ("read", totals.read), (writtenLabel, totals.written), ("rejected", totals.rejected),
            ("skipped", totals.skipped),
        ]
            + (totals.uncertain > 0 ? [("uncertain", totals.uncertain)] : [])
            + [("warnings", totals.warnings), ("duplicates in the input", totals.duplicateRecords)]
    }

    /// A target column's way from the source, as one line: `Nombre → trim → name_case → givenName → nombre`.
    func chain(_ field: Field) -> String {
        if let constant = field.constant { return "constant \"\(constant)\"" }
        var parts = field.from.map { origin in
            if let derived = origin.derivedFrom {
                return derived.hasPrefix("default") ? derived : "derived from \(derived)"
            }
            let columns = origin.columns.map {
                origin.missingColumns.contains($0) ? "`\($0)` (not in the input)" : "`\($0)`"
            }
            return columns.joined(separator: " + ") + origin.transforms.map { " → \($0)" }.joined()
        }
        if parts.isEmpty { parts = [field.absentSentAsNo ? "nothing (sent as an explicit no)" : "nothing"] }
        var text = parts.joined(separator: "; ")
        if !field.fields.isEmpty { text += " ⇒ " + field.fields.joined(separator: "+") }
        if !field.transforms.isEmpty { text += " → " + field.transforms.reversed().joined(separator: " → ") }
        if let defaultValue = field.defaultValue { text += " (default \"\(defaultValue)\")" }
        return text
    }

    var duplicateSummary: String {
        guard totals.duplicateRecords > 0 else { return "no two records share a tax id, e-mail or mobile" }
        return DuplicateFinder.Key.allCases.compactMap { key in
            duplicates.groups[key.rawValue].map {
                "\($0) group\($0 == 1 ? "" : "s") by \(key.rawValue) (\(duplicates.records[key.rawValue] ?? 0) records)"
            }
        }.joined(separator: ", ")
    }

    func groupText(_ group: DuplicateGroup) -> String {
        group.key + ": " + group.records.map { "record \($0.record) (line \($0.line))" }.joined(separator: ", ")
    }
}

func percent(_ value: Double) -> String {
    let tenths = Int((value * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
}

/// A table of text for terminals (padded columns) and Markdown (pipes).
struct TextTable {
    var headers: [String]
    var rows: [[String]]
    /// Columns whose cells are numbers, aligned right.
    var numeric: Set<Int> = []

    func terminal(maxWidth: Int = 38) -> String {
        let cells = ([headers] + rows).map { $0.map { Self.clip($0, maxWidth) } }
        var widths = Array(repeating: 0, count: headers.count)
        for row in cells { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return cells.enumerated().map { rowIndex, row in
            let line = row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return numeric.contains(index) && rowIndex > 0 ? pad + cell : cell + pad
            }.joined(separator: "  ")
            let trimmed = String(line.reversed().drop(while: { $0 == " " }).reversed())
            return rowIndex == 0
                ? trimmed + "\n" + widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") : trimmed
        }.joined(separator: "\n")
    }

    func markdown() -> String {
        func line(_ cells: [String]) -> String {
            "| "
                + cells.map { $0.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: " | ") + " |"
        }
        let rule = "|" + headers.indices.map { numeric.contains($0) ? "---:|" : "---|" }.joined()
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n")
    }

    static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}

extension RunReport {
    /// The summary printed on standard error after every plan and run with a report: the totals,
    /// a table of target fields, the main reasons and what stays behind. Colour only when `color`.
    public func terminal(color: Bool) -> String {
        func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
        func tint(_ text: String, _ code: Int) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var out: [String] = [bold(title), ""]
        out.append(
            totalsRows.map { label, value in
                let text = "\(value) \(label)"
                if label == "rejected", value > 0 { return tint(text, 31) }
                if label == "warnings" || label.hasPrefix("duplicates"), value > 0 { return tint(text, 33) }
                return text
            }.joined(separator: " · "))
        out.append("")
        out.append(bold("Fields of \(target.name)"))
        let shown = fields.filter { $0.filled > 0 || !$0.from.isEmpty || $0.constant != nil || $0.required }
        out.append(
            TextTable(
                headers: ["column", "from", "filled", "failed", "example"],
                rows: shown.map { field in
                    [
                        field.column + (field.required ? " *" : ""), chain(field), percent(field.fillRate),
                        field.failed == 0 ? "" : "\(field.failed)",
                        field.samples.first.map { "\($0.before) → \($0.after)" } ?? "",
                    ]
                },
                numeric: [2, 3]
            ).terminal(maxWidth: 48))
        if shown.count < fields.count {
            out.append("\(fields.count - shown.count) more columns nothing fills (see Left behind)")
        }
        out.append("(* required)" + (masked ? "; personal data masked, --show-pii to see it" : ""))
        if !outcomes.isEmpty {
            out.append("")
            out.append(bold("Reasons"))
            out.append(
                TextTable(
                    headers: ["count", "action", "field", "reason"],
                    rows: outcomes.prefix(12).map { ["\($0.count)", $0.action, $0.field ?? "", $0.reason] },
                    numeric: [0]
                ).terminal(maxWidth: 90))
            if outcomes.count > 12 { out.append("… and \(outcomes.count - 12) more reasons in the report file") }
        }
        if !mappingNotes.isEmpty {
            out.append("")
            out.append(bold("Notes in the mappings"))
            out.append(contentsOf: mappingNoteLines)
        }
        if order != nil {
            out.append("")
            out.append(bold("Order of creation") + " (migrate)")
            out.append(contentsOf: orderLines)
        }
        if !fixes.isEmpty {
            out.append("")
            out.append(bold("How to fix") + " (mapping changes that make these failures go)")
            for item in fixItems {
                out.append("  " + item.headline)
                out.append(contentsOf: item.code.map { "      " + $0 })
            }
        }
        out.append("")
        out.append(bold("Left behind"))
        out.append(contentsOf: leftBehindLines)
        out.append("")
        out.append(bold("Duplicates") + ": " + duplicateSummary)
        for group in duplicates.list.prefix(5) { out.append("  " + groupText(group)) }
        if duplicates.list.count + duplicates.notListed > 5 {
            out.append("  … \(duplicates.list.count + duplicates.notListed - 5) more groups in the report file")
        }
        if !consents.isEmpty {
            out.append("")
            out.append(bold("Consents") + " (yes / no / not given)")
            for consent in consents {
                var line = "  \(consent.field): \(consent.yes) / \(consent.no) / \(consent.absent)"
                if consent.writtenAsNo > 0 { line += " — \(consent.writtenAsNo) not given, sent as an explicit no" }
                out.append(line)
            }
        }
        out.append("")
        out.append(
            totals.balances ? totals.accounting : tint(totals.accounting + " — does not balance: a bug in Ferry", 31))
        return out.joined(separator: "\n")
    }

    /// The two phases of a migration that refers people to their companies.
    var orderLines: [String] {
        guard let order else { return [] }
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
        var second = "  2. then " + count(order.others, "other record", "other records")
        if order.referring > 0 {
            second +=
                ": \(order.referringToInput) of them refer to \(order.companiesReferred) of those \(order.companiesReferred == 1 ? "company" : "companies"), by the id \(target.name) gives each"
            let elsewhere = order.referring - order.referringToInput
            if elsewhere > 0 {
                second +=
                    "; \(elsewhere) \(elsewhere == 1 ? "names" : "name") a company not in the input, sent with its name only"
            }
        }
        return [
            "  1. " + count(order.companies, "company", "companies")
                + " first, so the people who work for them can refer to them", second,
            "  a person whose company is not created (refused, uncertain) waits, and is sent by the run after it is",
        ]
    }

    /// Each mapping change that makes failures go: what, where, how many it fixes; then the YAML to
    /// add or the rows to paste, each on its own line.
    var fixItems: [(headline: String, code: [String])] {
        fixes.map { fix in
            let place = fix.mapping + (fix.line.map { ", line \($0)" } ?? "")
            let column = "`\(fix.column)`" + (fix.field.map { $0 == fix.column ? "" : " → \($0)" } ?? "")
            let headline =
                "\(column): \(fix.failures) \(fix.failures == 1 ? "value fails" : "values fail") (\(fix.reason)). In \(place): \(fix.change). With it, \(fix.fixes) of the \(fix.of) distinct failing values read"
            return (headline, fix.yaml.map { [$0] } ?? fix.rows)
        }
    }

    var mappingNoteLines: [String] { mappingNotes.map { "  \($0.mapping) `\($0.column)`: \($0.note)" } }

    var leftBehindLines: [String] {
        var lines: [String] = []
        if leftBehind.unusedColumns.isEmpty && leftBehind.readNotWritten.isEmpty {
            lines.append("  every source column is read by the mapping, and its values reach \(target.name)")
        }
        for left in leftBehind.readNotWritten {
            let into = left.fields.isEmpty ? "" : " → \(left.fields.joined(separator: ", "))"
            let why =
                switch left.reason {
                case "empty table":
                    "the table `\(left.detail ?? "")` has no rows; fill it in a mapping that extends \(target.name)"
                case "read-only": "\(target.name) fills \(left.detail ?? "it") itself"
                case "sensitive":
                    "health data, which \(target.name)'s `\(left.detail ?? "")` takes only with `sensitive: allow`"
                default: "\(target.name) has no place for it"
                }
            lines.append(
                "  read, not written: \(left.column)\(into), \(left.filled) record\(left.filled == 1 ? "" : "s") with a value: \(why)"
            )
        }
        if !leftBehind.unusedColumns.isEmpty {
            let list = leftBehind.unusedColumns.map { "\($0.column) (\($0.filled) values)" }.joined(separator: ", ")
            let kept = leftBehind.unusedColumns.allSatisfy(\.written)
            lines.append(
                "  source columns no entry reads, kept in extras\(kept ? "" : ", which \(target.name) has no place for"): \(list)"
            )
        }
        if !leftBehind.requiredWithoutSource.isEmpty {
            lines.append(
                "  required by \(target.name) but nothing in the source fills them (records will be rejected): "
                    + leftBehind.requiredWithoutSource.map(\.column).joined(separator: ", "))
        }
        if !leftBehind.optionalWithoutSource.isEmpty {
            lines.append(
                "  \(target.name) columns nothing fills: "
                    + leftBehind.optionalWithoutSource.map(\.column).joined(separator: ", "))
        }
        if !leftBehind.readOnly.isEmpty {
            lines.append(
                "  read-only in \(target.name), never written: "
                    + leftBehind.readOnly.map(\.column).joined(separator: ", "))
        }
        for field in leftBehind.sensitive {
            let from = field.sourceColumns.isEmpty ? "" : " (from \(field.sourceColumns.joined(separator: ", ")))"
            let records = field.records > 0 ? "; \(field.records) records have it" : ""
            lines.append(
                "  sensitive: \(field.field)\(from) \(field.moves ? "MOVES to \(target.name)" : "stays behind")\(records)"
            )
        }
        if leftBehind.extrasNotWritten > 0 {
            lines.append("  \(leftBehind.extrasNotWritten) records have extras \(target.name) has no place for")
        }
        return lines
    }

    /// The report as Markdown, for tickets and pull requests.
    public func markdown() -> String {
        var out: [String] = ["# \(title)", ""]
        out.append(
            "Made \(createdAt) by `ferry \(kind.rawValue)` in \(duration). Input: \(input.description). "
                + "Source mapping: `\(source.file)`. Target mapping: `\(target.file)`."
                + (masked ? " Personal data is masked (`--show-pii` shows it)." : " **Personal data is not masked.**"))
        out.append("")
        out.append("## Totals")
        out.append("")
        out.append(
            TextTable(headers: ["records", "count"], rows: totalsRows.map { [$0.0, "\($0.1)"] }, numeric: [1])
                .markdown())
        out.append("")
        out.append("`\(totals.accounting)`" + (totals.balances ? "" : " — **does not balance: a bug in Ferry**"))
        out.append("")
        out.append("## Fields of \(target.name)")
        out.append("")
        out.append(
            TextTable(
                headers: ["column", "from", "filled", "failed", "main reasons", "before → after", "lossy"],
                rows: fields.map { field in
                    [
                        "`\(field.column)`" + (field.required ? " (required)" : "")
                            + (field.sensitive ? " (sensitive)" : ""),
                        chain(field), "\(field.filled) (\(percent(field.fillRate)))", "\(field.failed)",
                        field.reasons.prefix(3).map { "\($0.reason) (\($0.count) \($0.action))" }.joined(
                            separator: "<br>"),
                        field.samples.map { "`\($0.before)` → `\($0.after)`" }.joined(separator: "<br>"),
                        field.losses.joined(separator: "<br>"),
                    ]
                },
                numeric: [3]
            ).markdown())
        out.append("")
        if !outcomes.isEmpty {
            out.append("## Reasons")
            out.append("")
            out.append(
                TextTable(
                    headers: ["count", "action", "field", "reason"],
                    rows: outcomes.map { ["\($0.count)", $0.action, $0.field ?? "", $0.reason] }, numeric: [0]
                ).markdown())
            out.append("")
        }
        if !mappingNotes.isEmpty {
            out.append("## Notes in the mappings")
            out.append("")
            out.append(contentsOf: mappingNoteLines.map { "- " + $0.drop(while: { $0 == " " }) })
            out.append("")
        }
        if order != nil {
            out.append("## Order of creation (migrate)")
            out.append("")
            out.append(contentsOf: orderLines.map { "- " + $0.drop(while: { $0 == " " }) })
            out.append("")
        }
        if !fixes.isEmpty {
            out.append("## How to fix (mapping changes that make these failures go)")
            out.append("")
            for item in fixItems {
                out.append("- " + item.headline)
                out.append("")
                out.append("  ```yaml")
                out.append(contentsOf: item.code.map { "  " + $0 })
                out.append("  ```")
            }
            out.append("")
        }
        out.append("## Left behind")
        out.append("")
        out.append(contentsOf: leftBehindLines.map { "- " + $0.drop(while: { $0 == " " }) })
        out.append("")
        if !consents.isEmpty {
            out.append("## Consents")
            out.append("")
            out.append(
                TextTable(
                    headers: ["consent", "yes", "no", "not given", "not given, sent as no"],
                    rows: consents.map { [$0.field, "\($0.yes)", "\($0.no)", "\($0.absent)", "\($0.writtenAsNo)"] },
                    numeric: [1, 2, 3, 4]
                ).markdown())
            out.append("")
        }
        out.append("## Duplicates in the input")
        out.append("")
        out.append(duplicateSummary + ".")
        if !duplicates.list.isEmpty {
            out.append("")
            for group in duplicates.list { out.append("- " + groupText(group)) }
            if duplicates.notListed > 0 { out.append("- … and \(duplicates.notListed) more groups") }
        }
        out.append("")
        if !issues.isEmpty {
            out.append("## Issues")
            out.append("")
            out.append(
                TextTable(
                    headers: ["record", "line", "column", "field", "value", "reason", "action"],
                    rows: issues.map {
                        [
                            "\($0.record)", "\($0.line)", $0.column ?? "", $0.field ?? "", $0.value ?? "", $0.reason,
                            $0.action,
                        ]
                    },
                    numeric: [0, 1]
                ).markdown())
            if issuesNotListed > 0 { out.append("\n… and \(issuesNotListed) more.") }
            out.append("")
        }
        if !notes.isEmpty {
            out.append("## Notes")
            out.append("")
            out.append(contentsOf: notes.map { "- " + $0 })
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
