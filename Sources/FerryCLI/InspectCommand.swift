import ArgumentParser
import FerryKit
import Foundation

/// `ferry inspect`: what a file is and what it holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a file's format, encoding, dialect, header, record count and columns.",
        discussion: """
            Rows with too few or too many fields are counted here, not refused. Each column shows what its         values are and the canonical field `ferry mapping suggest` would map it to. Sample values         that are personal data are masked unless --show-pii.
            """
    )

    @Argument(help: ArgumentHelp("The file to inspect, or - for standard input.", valueName: "file"))
    var file: String

    @Flag(help: "Print the findings as JSON.")
    var json = false

    @Flag(help: "Show sample values unmasked.")
    var showPII = false

    @OptionGroup var inputOptions: InputOptions

    func run() throws {
        let inspection = try Inspection.inspect(file, options: try inputOptions.readOptions(), showPII: showPII)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(inspection), as: UTF8.self))
            return
        }
        print(render(inspection))
    }

    private func render(_ report: Inspection) -> String {
        var lines: [String] = []
        lines.append("file       \(report.file)")
        lines.append("format     \(report.format.uppercased())")
        lines.append(
            "encoding   \(report.encoding)\(report.byteOrderMark ? " with BOM" : "") (\(report.encodingReason))")
        if let dialect = report.dialect {
            let delimiter = dialect.delimiter == "\t" ? "tab" : "'\(dialect.delimiter)'"
            lines.append("dialect    delimiter \(delimiter), quote '\(dialect.quote)', line ends \(dialect.lineEnding)")
            lines.append("header     \(dialect.header ? "yes" : "no (columns are named column_1, column_2, ...)")")
        }
        if let workbook = report.workbook {
            lines.append(
                "dates      Excel serial numbers, \(workbook.dateSystem) system, shown as dates by their number format")
            for (index, sheet) in workbook.sheets.enumerated() {
                var size =
                    sheet.rows.map { "\($0) rows × \(sheet.columns ?? 0) columns (\(sheet.range ?? ""))" }
                    ?? "size not recorded"
                if sheet.hidden { size += ", hidden" }
                let read = sheet.name == workbook.sheet ? "  ← read (choose with --sheet NAME|N)" : ""
                lines.append(
                    "\(index == 0 ? "sheets     " : "           ")\(index + 1) '\(sheet.name)': \(size)\(read)")
            }
        }
        lines.append("records    \(report.records)")
        if report.shortRecords + report.longRecords > 0 {
            lines.append(
                "ragged     \(report.shortRecords) with too few fields, \(report.longRecords) with too many (convert needs --allow-ragged)"
            )
        }
        lines.append("")
        let nameWidth = min(32, max(6, report.columns.map { $0.name.count }.max() ?? 6))
        let kinds = report.columns.map { $0.kind + ($0.dateFormat.map { " \($0)" } ?? "") }
        let suggestions = report.columns.map { column in
            column.suggestedField.map { "\($0) (\(Int(((column.confidence ?? 0) * 100).rounded()))%)" } ?? "-"
        }
        let kindWidth = max(4, kinds.map(\.count).max() ?? 4),
            suggestionWidth = max(9, suggestions.map(\.count).max() ?? 9)
        lines.append(
            "column".padded(nameWidth) + "  filled   " + "kind".padded(kindWidth) + "  "
                + "suggested".padded(suggestionWidth) + "  samples")
        for (index, column) in report.columns.enumerated() {
            let percent = column.fillRate * 100
            let filled =
                percent == 100 ? "100%" : percent >= 10 ? String(Int(percent)) + "%" : String(format: "%.1f%%", percent)
            let samples = column.samples.map { "\"" + shorten($0) + "\"" }.joined(separator: ", ")
            lines.append(
                column.name.padded(nameWidth) + "  " + filled.padded(7) + "  " + kinds[index].padded(kindWidth) + "  "
                    + suggestions[index].padded(suggestionWidth) + "  " + samples)
        }
        if !report.notes.isEmpty {
            lines.append("")
            for note in report.notes { lines.append("note: \(note)") }
        }
        return lines.joined(separator: "\n")
    }

    private func shorten(_ value: String) -> String {
        let flat = value.replacingOccurrences(of: "\r\n", with: "⏎").replacingOccurrences(of: "\n", with: "⏎")
            .replacingOccurrences(of: "\r", with: "⏎")
        return flat.count > 40 ? String(flat.prefix(39)) + "…" : flat
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
