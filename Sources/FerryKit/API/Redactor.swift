import Foundation
import NIOConcurrencyHelpers

/// A credential read from the environment or a file. It prints as `[secret]`, so no message, log,
/// report or journal can show it by accident, and making one teaches `Redactor.shared` its value,
/// so text that quotes it anyway (a server echoing request headers) is masked too.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String

    public init(_ value: String) {
        self.value = value
        Redactor.shared.learn(value)
    }

    public var description: String { "[secret]" }
    public var debugDescription: String { "[secret]" }
}

/// The one place every outgoing text passes through: terminal messages, journal entries, rejects,
/// reports. It knows every secret value in use in this process (keys, passwords, tokens, the Basic
/// header made of them and its base64) and replaces each, wherever it appears, with `[secret]`.
public final class Redactor: Sendable {
    public static let shared = Redactor()

    private let secrets = NIOLockedValueBox<[String]>([])

    /// Secrets shorter than this are not searched for: replacing every `a` in a text would mask
    /// nothing and garble everything. Credentials that short are refused where they are read.
    static let shortest = 4

    /// Adds a secret value and the forms it travels in: as written, JSON-escaped (`/` as `\/`) and
    /// percent-encoded.
    public func learn(_ value: String) {
        guard value.count >= Redactor.shortest else { return }
        var forms = [value, value.replacingOccurrences(of: "/", with: "\\/")]
        if let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { forms.append(encoded) }
        secrets.withLockedValue { known in
            for form in forms where !known.contains(form) { known.append(form) }
            // Longest first, so a secret that contains another is masked whole.
            known.sort { $0.count > $1.count }
        }
    }

    /// Adds the `Basic` credential made of `key:password`, and its base64.
    func learnBasic(key: String, password: String) -> String {
        let basic = Data((key + ":" + password).utf8).base64EncodedString()
        learn(key + ":" + password)
        learn(basic)
        return basic
    }

    /// `text` with every known secret replaced by `[secret]`.
    public func redact(_ text: String) -> String {
        let known = secrets.withLockedValue { $0 }
        guard !known.isEmpty else { return text }
        var result = text
        for secret in known where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "[secret]")
        }
        return result
    }

    /// Whether `text` holds a known secret (tests and last-line checks).
    public func reveals(_ text: String) -> Bool {
        secrets.withLockedValue { $0 }.contains { text.contains($0) }
    }
}

extension FerryError {
    /// The error with every known secret masked in its message and hint.
    public var redacted: FerryError {
        var copy = self
        copy.message = Redactor.shared.redact(message)
        copy.hint = hint.map(Redactor.shared.redact)
        return copy
    }
}
