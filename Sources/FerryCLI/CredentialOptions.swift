import ArgumentParser
import FerryKit
import Foundation

/// `--credentials FILE`: where an API's secrets come from when not from the environment.
struct CredentialOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read credentials from this file of NAME=value lines instead of the environment.", valueName: "file"))
    var credentials: String?

    /// The process environment, with the API's own variables from the file when one is given.
    func environment(for api: APIDescription) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let credentials { environment.merge(try Self.read(credentials, names: api.secretVariables)) { _, file in file } }
        return environment
    }

    /// `NAME=value` lines; only the API's own variables are taken, and no value is ever echoed.
    static func read(_ path: String, names: [String]) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FerryError(.usage, "cannot read the credentials file \(path)", hint: "give a readable file of NAME=value lines")
        }
        var values: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw FerryError(.usage, "\(path): line \(number + 1) is not NAME=value", hint: "write one credential a line, such as KOIBOX_API_KEY=...")
            }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
            if names.contains(name) { values[name] = value }
        }
        return values
    }
}
