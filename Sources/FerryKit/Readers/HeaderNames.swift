import Foundation

/// How a header row becomes column names, for every reader with a header (CSV, .xlsx).
enum HeaderNames {
    /// Column names from a header's cells: a blank cell is named `column_N` after its position, a
    /// repeated name gets `_2`, `_3`, ...; each renaming is noted (the first ten of each kind).
    static func make(_ cells: [String], at place: Location) -> (names: [String], notes: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var seen = Set<String>()
        let given = Set(cells)
        /// The next suffix to try for a repeated name: a header of many equal cells stays linear.
        var nextSuffix: [String: Int] = [:]
        var names: [String] = []
        names.reserveCapacity(cells.count)
        var blank = 0, repeated = 0
        let shown = 10
        for (index, cell) in cells.enumerated() {
            var name = cell
            if name.trimmingCharacters(in: " \t").isEmpty {
                name = "column_\(index + 1)"
                blank += 1
                if blank <= shown {
                    diagnostics.append(
                        Diagnostic("header cell \(index + 1) is blank; the column is named '\(name)'", at: place))
                }
            }
            if seen.contains(name) {
                var suffix = nextSuffix[name] ?? 2
                while seen.contains("\(name)_\(suffix)") || given.contains("\(name)_\(suffix)") { suffix += 1 }
                nextSuffix[name] = suffix + 1
                let unique = "\(name)_\(suffix)"
                repeated += 1
                if repeated <= shown {
                    diagnostics.append(
                        Diagnostic(
                            "header '\(name)' appears more than once; column \(index + 1) is named '\(unique)'",
                            at: place))
                }
                name = unique
            }
            seen.insert(name)
            names.append(name)
        }
        if blank > shown {
            diagnostics.append(
                Diagnostic(
                    "\(blank - shown) more header cells are blank; each column is named column_N after its position",
                    at: place))
        }
        if repeated > shown {
            diagnostics.append(
                Diagnostic(
                    "\(repeated - shown) more header names are repeated; each repeat is named NAME_2, NAME_3, ...",
                    at: place))
        }
        return (names, diagnostics)
    }
}
