import ArgumentParser
import FerryKit
import Foundation

/// `--credentials FILE`: where an API's secrets come from when not from the environment.
struct CredentialOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Read credentials from this file of NAME=value lines instead of the environment.", valueName: "file"))
    var credentials: String?

    /// The process environment, with the API's own variables from the file when one is given.
    func environment(for api: APIDescription) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let credentials {
            environment.merge(try Self.read(credentials, names: api.secretVariables)) { _, file in file }
        }
        // Known to the redactor from the start, so no message of this run can show them.
        for name in api.secretVariables {
            if let value = environment[name] {
                Redactor.shared.learn(value.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return environment
    }

    /// `NAME=value` lines, as a shell would source them: `export NAME=value`, values in single or
    /// double quotes, Windows line ends, comments. Only the API's own variables are taken, and no
    /// value is ever echoed.
    static func read(_ path: String, names: [String]) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FerryError(
                .usage, "cannot read the credentials file \(path)", hint: "give a readable file of NAME=value lines")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var values: [String: String] = [:]
        for (number, line) in text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        ).enumerated() {
            var trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("export "), trimmed.count > 7 {
                trimmed = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw FerryError(
                    .usage, "\(path): line \(number + 1) is not NAME=value",
                    hint: "write one credential a line, such as KOIBOX_API_KEY=...")
            }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            } else if let comment = value.range(of: " #") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            if names.contains(name) {
                values[name] = value
                Redactor.shared.learn(value.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return values
    }
}
