import Foundation

/// The trouble the sandbox injects into API requests: `--faults 503=0.1,429=0.05,commit-then-fail=0.03,drop=0.02,latency=0.2`.
///
/// Each pair is `kind=probability`. A status code (`503`, `500`, `429`, any 4xx or 5xx) answers with
/// that status before the request is processed; `drop` closes the connection without an answer, also
/// before processing; `commit-then-fail` processes the request (a create is stored) and then answers
/// 500 or drops the connection; `latency` delays the answer by up to 200 ms. `latency` is drawn on its
/// own; the other kinds share one draw, so their probabilities must add up to at most 1.
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    /// What happens to one request.
    public enum Kind: Sendable, Equatable, Hashable {
        case status(Int)
        case drop
        case commitThenFail
    }

    /// The failure kinds with their probabilities, in the order given.
    public private(set) var failures: [(kind: Kind, probability: Double)] = []
    /// The probability of a delay of up to `maxLatency` seconds.
    public private(set) var latency = 0.0
    public var maxLatency = 0.2

    /// No faults.
    public init() {}

    /// Parses a `--faults` value; the error says which pair is wrong and how to write it.
    public init(_ text: String) throws(SandboxError) {
        for pair in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !pair.isEmpty {
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let probability = Double(parts[1]), probability >= 0, probability <= 1 else {
                throw SandboxError(
                    "the fault `\(pair)` is not `kind=probability` with a probability from 0 to 1 (for example `503=0.1`)"
                )
            }
            let name = String(parts[0]).lowercased()
            switch name {
            case "latency": latency = probability
            case "drop": failures.append((.drop, probability))
            case "commit-then-fail": failures.append((.commitThenFail, probability))
            default:
                guard let status = Int(name), (400...599).contains(status) else {
                    throw SandboxError(
                        "unknown fault kind `\(name)`; the kinds are an HTTP status from 400 to 599 (503, 500, 429...), drop, commit-then-fail and latency"
                    )
                }
                failures.append((.status(status), probability))
            }
        }
        let total = failures.reduce(0) { $0 + $1.probability }
        guard total <= 1.000_001 else {
            throw SandboxError(
                "the failure probabilities add up to \(total), more than 1; only `latency` is drawn separately")
        }
    }

    public static func == (a: FaultSpec, b: FaultSpec) -> Bool {
        a.latency == b.latency && a.failures.map(\.kind) == b.failures.map(\.kind)
            && a.failures.map(\.probability) == b.failures.map(\.probability)
    }

    public var isEmpty: Bool { failures.isEmpty && latency == 0 }

    public var description: String {
        var pairs = failures.map { fault -> String in
            switch fault.kind {
            case .status(let code): "\(code)=\(fault.probability)"
            case .drop: "drop=\(fault.probability)"
            case .commitThenFail: "commit-then-fail=\(fault.probability)"
            }
        }
        if latency > 0 { pairs.append("latency=\(latency)") }
        return pairs.isEmpty ? "none" : pairs.joined(separator: ",")
    }

    /// The failure for one request, from a uniform draw in 0..<1.
    func failure(draw: Double) -> Kind? {
        var sum = 0.0
        for fault in failures {
            sum += fault.probability
            if draw < sum { return fault.kind }
        }
        return nil
    }
}

/// A sandbox setting or start-up problem, said so the user knows what to change.
public struct SandboxError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
