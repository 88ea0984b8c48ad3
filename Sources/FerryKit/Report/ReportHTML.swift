import Foundation

extension RunReport {
    /// The report as JSON, members sorted so two reports of the same run compare line by line.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    public static func decode(json: String) throws -> RunReport {
        try JSONDecoder().decode(RunReport.self, from: Data(json.utf8))
    }

    /// One self-contained HTML page: styles inline, charts as inline SVG, no scripts, no outside files.
    public func html() -> String {
        var body = ""
        body +=
            "<header><h1>\(escape(title))</h1><p class=meta>Made \(escape(createdAt)) by <code>ferry \(kind.rawValue)</code> in \(duration). "
        body +=
            "Input: \(escape(input.description)). Source mapping <code>\(escape(source.file))</code>, target mapping <code>\(escape(target.file))</code>. "
        body +=
            masked
            ? "Personal data is masked (<code>--show-pii</code> shows it).</p>"
            : "<strong>Personal data is not masked.</strong></p>"
        body += "</header>"

        body += "<section><h2>Totals</h2><div class=cards>"
        for (label, value) in totalsRows {
            let tone =
                label == "rejected" && value > 0
                ? " bad" : (label == "warnings" || label.hasPrefix("duplicates")) && value > 0 ? " warn" : ""
            body += "<div class=\"card\(tone)\"><b>\(value)</b><span>\(escape(label))</span></div>"
        }
        body += "</div>"
        body += outcomeBar()
        body +=
            "<p class=accounting><code>\(escape(totals.accounting))</code>\(totals.balances ? "" : " <strong>does not balance: a bug in Ferry</strong>")</p></section>"

        body += "<section><h2>Field coverage in \(escape(target.name))</h2>\(coverageChart())</section>"
        if !outcomes.isEmpty { body += "<section><h2>Outcomes by reason</h2>\(reasonChart())</section>" }

        body +=
            "<section><h2>Fields of \(escape(target.name))</h2><table><thead><tr><th>column</th><th>from</th><th class=n>filled</th><th class=n>failed</th><th>main reasons</th><th>before → after</th><th>lossy</th></tr></thead><tbody>"
        for field in fields {
            var flags = field.required ? " <span class=tag>required</span>" : ""
            if field.sensitive { flags += " <span class=\"tag warn\">sensitive</span>" }
            body +=
                "<tr><td><code>\(escape(field.column))</code>\(flags)</td><td>\(codeSpans(escape(chain(field))))</td>"
            body +=
                "<td class=n>\(field.filled)<br><small>\(percent(field.fillRate))</small></td><td class=n>\(field.failed == 0 ? "" : "\(field.failed)")</td>"
            body +=
                "<td>\(field.reasons.prefix(3).map { "\(escape($0.reason)) <small>(\($0.count) \($0.action))</small>" }.joined(separator: "<br>"))</td>"
            body +=
                "<td>\(field.samples.map { "<code>\(escape($0.before))</code> → <code>\(escape($0.after))</code>" }.joined(separator: "<br>"))</td>"
            body += "<td>\(field.losses.map(escape).joined(separator: "<br>"))</td></tr>"
        }
        body += "</tbody></table></section>"

        if !mappingNotes.isEmpty {
            body +=
                "<section><h2>Notes in the mappings</h2><ul>\(mappingNoteLines.map { "<li>\(escape(String($0.drop(while: { $0 == " " }))))</li>" }.joined())</ul></section>"
        }
        if order != nil {
            body +=
                "<section><h2>Order of creation (migrate)</h2><ul>\(orderLines.map { "<li>\(escape(String($0.drop(while: { $0 == " " }))))</li>" }.joined())</ul></section>"
        }
        if !fixes.isEmpty {
            body += "<section><h2>How to fix (mapping changes that make these failures go)</h2><ul>"
            for item in fixItems {
                body += "<li>\(escape(item.headline))<pre>\(item.code.map(escape).joined(separator: "\n"))</pre></li>"
            }
            body += "</ul></section>"
        }
        body +=
            "<section><h2>Left behind</h2><ul>\(leftBehindLines.map { "<li>\(escape(String($0.drop(while: { $0 == " " }))))</li>" }.joined())</ul></section>"
        if !consents.isEmpty {
            body +=
                "<section><h2>Consents</h2><table><thead><tr><th>consent</th><th class=n>yes</th><th class=n>no</th><th class=n>not given</th><th class=n>not given, sent as no</th></tr></thead><tbody>"
            for consent in consents {
                body +=
                    "<tr><td><code>\(consent.field)</code></td><td class=n>\(consent.yes)</td><td class=n>\(consent.no)</td><td class=n>\(consent.absent)</td><td class=n>\(consent.writtenAsNo)</td></tr>"
            }
            body += "</tbody></table></section>"
        }
        body += "<section><h2>Duplicates in the input</h2><p>\(escape(duplicateSummary)).</p>"
        if !duplicates.list.isEmpty {
            body += "<ul>\(duplicates.list.map { "<li>\(escape(groupText($0)))</li>" }.joined())</ul>"
            if duplicates.notListed > 0 { body += "<p>… and \(duplicates.notListed) more groups.</p>" }
        }
        body += "</section>"
        if !issues.isEmpty {
            body +=
                "<section><h2>Issues</h2><table><thead><tr><th class=n>record</th><th class=n>line</th><th>column</th><th>field</th><th>value</th><th>reason</th><th>action</th></tr></thead><tbody>"
            for issue in issues {
                body +=
                    "<tr><td class=n>\(issue.record)</td><td class=n>\(issue.line)</td><td>\(escape(issue.column ?? ""))</td><td>\(escape(issue.field ?? ""))</td>"
                body +=
                    "<td><code>\(escape(issue.value ?? ""))</code></td><td>\(escape(issue.reason))</td><td class=\"\(issue.action)\">\(issue.action)</td></tr>"
            }
            body += "</tbody></table>\(issuesNotListed > 0 ? "<p>… and \(issuesNotListed) more.</p>" : "")</section>"
        }
        if !notes.isEmpty {
            body += "<section><h2>Notes</h2><ul>\(notes.map { "<li>\(escape($0))</li>" }.joined())</ul></section>"
        }

        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(Self.style)</style></head>
            <body>\(body)</body></html>

            """
    }

    /// Written, rejected and skipped records as one stacked bar.
    private func outcomeBar() -> String {
        let parts: [(String, Int, String)] = [
            (writtenLabel, totals.written, "#2e7d32"), ("rejected", totals.rejected, "#c62828"),
            ("skipped", totals.skipped, "#9e9e9e"), ("uncertain", totals.uncertain, "#ef6c00"),
        ]
        let total = max(1, totals.read)
        var x = 0.0
        var svg =
            "<svg class=bar viewBox=\"0 0 600 28\" width=\"600\" height=\"28\" role=\"img\" aria-label=\"outcomes\">"
        svg += "<rect x=\"0\" y=\"0\" width=\"600\" height=\"20\" fill=\"#eee\"/>"
        for (label, count, colour) in parts where count > 0 {
            let width = 600 * Double(count) / Double(total)
            svg +=
                "<rect x=\"\(fixed(x))\" y=\"0\" width=\"\(fixed(width))\" height=\"20\" fill=\"\(colour)\"><title>\(count) \(escape(label))</title></rect>"
            x += width
        }
        svg += "</svg>"
        let legend = parts.filter { $0.1 > 0 }.map {
            "<span><i style=\"background:\($0.2)\"></i>\($0.1) \(escape($0.0))</span>"
        }.joined()
        return svg + "<p class=legend>\(legend)</p>"
    }

    /// One horizontal bar per target column: filled share, and the share of values that failed.
    private func coverageChart() -> String {
        let rowHeight = 22, labelWidth = 190, barWidth = 420
        let height = fields.count * rowHeight + 30
        var svg =
            "<svg viewBox=\"0 0 \(labelWidth + barWidth + 90) \(height)\" width=\"\(labelWidth + barWidth + 90)\" height=\"\(height)\" role=\"img\" aria-label=\"field coverage\">"
        for (index, field) in fields.enumerated() {
            let y = index * rowHeight + 4
            let filled = Double(barWidth) * field.fillRate
            let failed = Double(barWidth) * min(1 - field.fillRate, Double(field.failed) / Double(max(1, totals.read)))
            svg +=
                "<text x=\"\(labelWidth - 8)\" y=\"\(y + 14)\" text-anchor=\"end\">\(escape(TextTable.clip(field.column, 26)))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"16\" fill=\"#eceff1\"/>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(fixed(filled))\" height=\"16\" fill=\"\(field.required ? "#1565c0" : "#64b5f6")\"><title>\(field.filled) filled</title></rect>"
            if field.failed > 0 {
                svg +=
                    "<rect x=\"\(fixed(Double(labelWidth) + filled))\" y=\"\(y)\" width=\"\(fixed(max(2, failed)))\" height=\"16\" fill=\"#e53935\"><title>\(field.failed) failed</title></rect>"
            }
            svg += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 14)\">\(percent(field.fillRate))</text>"
        }
        let legendY = fields.count * rowHeight + 22
        svg +=
            "<rect x=\"\(labelWidth)\" y=\"\(legendY - 10)\" width=\"10\" height=\"10\" fill=\"#1565c0\"/><text x=\"\(labelWidth + 14)\" y=\"\(legendY)\">filled, required</text>"
        svg +=
            "<rect x=\"\(labelWidth + 120)\" y=\"\(legendY - 10)\" width=\"10\" height=\"10\" fill=\"#64b5f6\"/><text x=\"\(labelWidth + 134)\" y=\"\(legendY)\">filled</text>"
        svg +=
            "<rect x=\"\(labelWidth + 190)\" y=\"\(legendY - 10)\" width=\"10\" height=\"10\" fill=\"#e53935\"/><text x=\"\(labelWidth + 204)\" y=\"\(legendY)\">failed a check</text>"
        return svg + "</svg>"
    }

    /// One horizontal bar per reason, coloured by what was done.
    private func reasonChart() -> String {
        let shown = Array(outcomes.prefix(15))
        let rowHeight = 22, labelWidth = 430, barWidth = 300
        let most = max(1, shown.map(\.count).max() ?? 1)
        let height = shown.count * rowHeight + 8
        var svg =
            "<svg viewBox=\"0 0 \(labelWidth + barWidth + 70) \(height)\" width=\"\(labelWidth + barWidth + 70)\" height=\"\(height)\" role=\"img\" aria-label=\"outcomes by reason\">"
        for (index, reason) in shown.enumerated() {
            let y = index * rowHeight + 4
            let width = max(2, Double(barWidth) * Double(reason.count) / Double(most))
            let colour =
                switch reason.action {
                case "rejected": "#c62828";
                case "dropped": "#ef6c00";
                case "kept": "#8e24aa";
                default: "#78909c"
                }
            let label = (reason.field.map { $0 + ": " } ?? "") + reason.reason
            svg +=
                "<text x=\"\(labelWidth - 8)\" y=\"\(y + 14)\" text-anchor=\"end\"><title>\(escape(label))</title>\(escape(TextTable.clip(label, 62)))</text>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(fixed(width))\" height=\"16\" fill=\"\(colour)\"><title>\(reason.count) \(reason.action)</title></rect>"
            svg +=
                "<text x=\"\(fixed(Double(labelWidth) + width + 6))\" y=\"\(y + 14)\">\(reason.count) \(reason.action)</text>"
        }
        var more = ""
        if outcomes.count > shown.count {
            more = "<p>… and \(outcomes.count - shown.count) more reasons (see the JSON report).</p>"
        }
        return svg + "</svg>" + more
    }

    private static let style = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2430;max-width:1200px;margin:24px auto;padding:0 20px;background:#fafbfc}
        h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 10px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
        section{background:#fff;border:1px solid #e3e8ee;border-radius:8px;padding:14px 18px;margin:16px 0}
        .meta{color:#556;margin:0}code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f1f3f5;padding:1px 4px;border-radius:3px}
        .cards{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:12px}.card{border:1px solid #dde3ea;border-radius:6px;padding:8px 14px;min-width:110px}
        .card b{display:block;font-size:22px}.card span{color:#556;font-size:13px}.card.bad{border-color:#c62828;color:#c62828}.card.warn{border-color:#ef6c00}
        table{border-collapse:collapse;width:100%;font-size:13.5px}th,td{border-bottom:1px solid #e8ecf0;padding:5px 8px;text-align:left;vertical-align:top}
        th{background:#f5f7f9;font-weight:600}.n{text-align:right;white-space:nowrap}small{color:#667}
        .tag{font-size:11px;background:#e3f2fd;color:#0d47a1;border-radius:3px;padding:0 4px}.tag.warn{background:#fff3e0;color:#e65100}
        svg text{font:12px system-ui,sans-serif;fill:#1c2430}.legend span{margin-right:16px;font-size:13px}.legend i{display:inline-block;width:10px;height:10px;margin-right:5px}
        td.rejected{color:#c62828;font-weight:600}td.dropped{color:#ef6c00}.accounting{margin:8px 0 0}
        """
}

private func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}

/// `name` → <code>name</code>, for text already escaped.
private func codeSpans(_ text: String) -> String {
    let parts = text.split(separator: "`", omittingEmptySubsequences: false)
    guard parts.count > 2 else { return text }
    return parts.enumerated().map { index, part in
        index % 2 == 1 && index < parts.count - 1 ? "<code>\(part)</code>" : String(part)
    }.joined()
}

private func fixed(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}
