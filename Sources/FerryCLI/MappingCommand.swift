import ArgumentParser
import FerryKit
import Foundation

/// `ferry mapping`: work with mapping files.
struct MappingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mapping",
        abstract: "Work with mapping files.",
        subcommands: [SuggestCommand.self]
    )

    /// `ferry mapping suggest FILE [-o MAPPING.yaml]`.
    struct SuggestCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suggest",
            abstract: "Write a mapping for a file Ferry has never seen, from its headers and its values.",
            discussion: """
                Headers are matched in Spanish and English, with abbreviations, ignoring accents, case and \
                punctuation (Nombre, First name, Apellidos, D.N.I., Tel. móvil, C.P., F. nacimiento...). \
                The first \(MappingSuggestion.recordsRead) records' values decide when the header says nothing or \
                something else: a column of valid DNIs is a tax id, of 6/7 numbers a mobile, of dd/mm/yyyy a date \
                (its format goes into the mapping). Both surnames in one column become a split. Each entry \
                carries its confidence as a comment; unmatched columns are listed; no column or field is used twice.

                Examples:
                  ferry mapping suggest export.csv -o export.yaml
                  ferry plan export.csv --from export.yaml --to koibox
                """
        )

        @Argument(help: ArgumentHelp("The file to look at (CSV, JSON or NDJSON).", valueName: "file"))
        var file: String

        @Option(
            name: [.short, .customLong("output")],
            help: ArgumentHelp("Write the mapping here (default: standard output).", valueName: "mapping.yaml"))
        var output: String?

        @Flag(name: .shortAndLong, help: "Print nothing but errors.")
        var quiet = false

        @OptionGroup var inputOptions: InputOptions

        func run() throws {
            let suggestion = try MappingSuggestion.suggest(file, options: try inputOptions.readOptions())
            let base = ((output ?? file) as NSString).lastPathComponent
            let name = (base as NSString).deletingPathExtension
            let yaml = suggestion.yaml(
                name: name.isEmpty ? "suggested" : name, date: String(ReportOptions.timestamp().prefix(10)))
            // The mapping must load as it is; a suggestion that does not is a bug, said as one.
            do { _ = try ProfileCatalog.parse(yaml: yaml, file: output ?? "suggested mapping") } catch {
                throw FerryError(
                    .mapping, "the suggested mapping does not load (\(error)); this is a bug in Ferry, please report it"
                )
            }
            if let output {
                let file = try OutputFile(path: output)
                try file.write(Array(yaml.utf8))
                try file.commit()
            } else {
                print(yaml, terminator: "")
            }
            guard !quiet else { return }
            let mapped = suggestion.columns.filter { !$0.fields.isEmpty }
            for column in suggestion.columns {
                let target =
                    column.fields.isEmpty ? "not mapped" : column.fields.map(\.rawValue).joined(separator: " + ")
                let sure = column.fields.isEmpty ? "" : " (\(Int((column.confidence * 100).rounded()))%)"
                Terminal.note("\(column.name) → \(target)\(sure)")
            }
            Terminal.note(
                "\(mapped.count) of \(suggestion.columns.count) columns mapped" + (output.map { "; wrote \($0)" } ?? "")
            )
        }
    }
}
