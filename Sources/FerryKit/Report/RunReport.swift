/// What a run did, or with `ferry plan` would do, to every record and every target field.
/// Its JSON form (`--report FILE.json`) is a stable schema, documented in `docs/reports.md`:
/// members are only ever added, and `schema` changes if one changes meaning.
/// Personal values in it are already masked unless it was made with `--show-pii` (`masked: false`).
public struct RunReport: Codable, Sendable, Equatable {
    public static let schemaName = "ferry-report/1"

    public enum Kind: String, Codable, Sendable {
        /// `ferry plan`: outcomes are predictions, nothing was written.
        case plan
        /// `ferry convert`: outcomes are what was written to the output.
        case convert
        /// `ferry migrate`: outcomes are what the target system accepted.
        case migrate
    }

    public struct Side: Codable, Sendable, Equatable {
        /// The mapping's name (`koibox`) and the file it was read from.
        public var name: String
        public var file: String
    }

    public struct Input: Codable, Sendable, Equatable {
        public var path: String
        /// Format, encoding and dialect, as `inspect` says them.
        public var description: String
        public var columns: [String]
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var read: Int
        /// For a plan, the records that would be written.
        public var written: Int
        public var rejected: Int
        public var skipped: Int
        public var uncertain: Int
        /// Values dropped, kept unchecked, or noted.
        public var warnings: Int
        /// Records that share a tax id, e-mail or mobile with an earlier record of the input.
        public var duplicateRecords: Int
        public var balances: Bool
        public var accounting: String
    }

    /// A record as reports name it: its number in the input, and the line it starts on.
    public struct RecordRef: Codable, Sendable, Equatable {
        public var record: Int
        public var line: Int
    }

    public struct DuplicateGroup: Codable, Sendable, Equatable {
        /// `taxId`, `email` or `mobilePhone`.
        public var key: String
        public var records: [RecordRef]
    }

    public struct Duplicates: Codable, Sendable, Equatable {
        /// Groups by key: how many groups, and how many records are in them.
        public var groups: [String: Int]
        public var records: [String: Int]
        /// The groups, first record first; at most `listLimit`.
        public var list: [DuplicateGroup]
        /// Groups left out of `list`.
        public var notListed: Int
    }

    public struct Reason: Codable, Sendable, Equatable {
        public var reason: String
        /// `rejected`, `dropped`, `kept` or `noted`.
        public var action: String
        public var count: Int
        /// The canonical field or the column the reason is about, when there is one.
        public var field: String?
    }

    public struct Sample: Codable, Sendable, Equatable {
        public var before: String
        public var after: String
    }

    /// Where a target column's value comes from: a source column, its transforms, the canonical field.
    public struct Origin: Codable, Sendable, Equatable {
        public var columns: [String]
        public var transforms: [String]
        public var fields: [String]
        /// Columns the source mapping names that this input does not have.
        public var missingColumns: [String]
        /// For values Ferry works out instead of reading (`taxIdType` from `taxId`): from what.
        public var derivedFrom: String?
    }

    public struct Field: Codable, Sendable, Equatable {
        /// The target's column.
        public var column: String
        /// The canonical fields it is written from; empty for constants and pass-through columns.
        public var fields: [String]
        public var from: [Origin]
        /// The target mapping's transforms, in the order they are undone when writing.
        public var transforms: [String]
        /// A constant the mapping writes, or the default when the source has no value.
        public var constant: String?
        public var defaultValue: String?
        public var required: Bool
        /// Written records with a value in this column.
        public var filled: Int
        public var fillRate: Double
        /// Values of its fields that failed a check (whatever was done with them).
        public var failed: Int
        public var reasons: [Reason]
        public var samples: [Sample]
        public var lossy: Bool
        public var losses: [String]
        public var sensitive: Bool
        /// A consent the target assumes is yes: when the source does not give it, an explicit no is sent.
        public var absentSentAsNo: Bool
    }

    public struct SourceColumn: Codable, Sendable, Equatable {
        public var column: String
        public var filled: Int
        /// Whether the target keeps it (an `extras` column or a column of the same name).
        public var written: Bool
    }

    /// A source column the mapping reads whose values do not reach the target, and why.
    public struct StaysBehind: Codable, Sendable, Equatable {
        public var column: String
        /// The canonical fields it is read into (none for a column that travels in extras).
        public var fields: [String]
        /// Records with a value in it.
        public var filled: Int
        /// `no place` (the target has no column for its fields), `read-only` (the target's column for
        /// it is filled by the system), `sensitive` (health data the target's entry does not let
        /// through) or `empty table` (the target translates it through a lookup table with no rows).
        public var reason: String
        /// The target's columns or table concerned, for the last three.
        public var detail: String?
    }

    public struct TargetColumn: Codable, Sendable, Equatable {
        public var column: String
        public var fields: [String]
        public var required: Bool
    }

    public struct SensitiveField: Codable, Sendable, Equatable {
        public var field: String
        public var sourceColumns: [String]
        /// Records with a value for it.
        public var records: Int
        /// Whether the target mapping lets it through.
        public var moves: Bool
    }

    public struct LeftBehind: Codable, Sendable, Equatable {
        /// Source columns no mapping entry reads; their values travel in `extras`.
        public var unusedColumns: [SourceColumn]
        /// Source columns the mapping reads whose values do not reach the target.
        public var readNotWritten: [StaysBehind]
        /// Required target columns that nothing in the source fills: every record will be rejected.
        public var requiredWithoutSource: [TargetColumn]
        /// Optional target columns that nothing in the source fills.
        public var optionalWithoutSource: [TargetColumn]
        /// Target columns the system fills itself; they are never written.
        public var readOnly: [TargetColumn]
        public var sensitive: [SensitiveField]
        /// Records with extras the target has no place for.
        public var extrasNotWritten: Int
    }

    public struct Consent: Codable, Sendable, Equatable {
        public var field: String
        public var yes: Int
        public var no: Int
        public var absent: Int
        /// Absent consents sent as an explicit no because the target assumes yes.
        public var writtenAsNo: Int
    }

    public struct Issue: Codable, Sendable, Equatable {
        public var record: Int
        public var line: Int
        public var column: String?
        public var field: String?
        public var value: String?
        public var reason: String
        public var action: String
    }

    public var schema = RunReport.schemaName
    public var kind: Kind
    /// When the run ended, ISO 8601 in UTC.
    public var createdAt: String
    public var masked: Bool
    public var input: Input
    public var source: Side
    public var target: Side
    public var totals: Totals
    public var seconds: Double
    public var duplicates: Duplicates
    public var fields: [Field]
    public var leftBehind: LeftBehind
    public var consents: [Consent]
    /// Every reason any record met, most frequent first.
    public var outcomes: [Reason]
    /// The first issues, in input order; `issuesNotListed` more.
    public var issues: [Issue]
    public var issuesNotListed: Int
    /// Notes about the mappings and the input.
    public var notes: [String]
    /// What the mappings' `note:` keys say of the columns in play: those read from the input and
    /// those written.
    public var mappingNotes: [MappingNote] = []
    /// The order `migrate` creates the records in, when the target refers people to their
    /// companies (`created: company`); nil otherwise.
    public var order: CreationOrder?
    /// Mapping changes that would make most failures of a column go; most failures first.
    public var fixes: [Fix] = []

    /// Companies first, then everyone else; of those, how many name their company and whether it
    /// is among the companies of the input.
    public struct CreationOrder: Codable, Sendable, Equatable {
        /// Records created first: the companies.
        public var companies: Int
        /// Records created after them.
        public var others: Int
        /// People naming their company, and of them, those whose company is among `companies`.
        public var referring: Int
        public var referringToInput: Int
        /// The companies of the input those people name.
        public var companiesReferred: Int
    }

    /// A change to a mapping that makes most failures of a column go (`FixFinder`), checked on the
    /// failing values before it is offered.
    public struct Fix: Codable, Sendable, Equatable {
        /// The mapping file to change.
        public var mapping: String
        public var column: String
        public var field: String?
        /// The line of the entry to change, when the change goes into an entry.
        public var line: Int?
        /// Values of the column that failed for `reason`.
        public var failures: Int
        public var reason: String
        /// Of the distinct failing values looked at (`of`), how many read with the change.
        public var fixes: Int
        public var of: Int
        /// The change in words, and the YAML line to add, when it is one.
        public var change: String
        public var yaml: String?
        /// Rows for a lookup table, ready to paste under its name.
        public var rows: [String]
    }

    public struct MappingNote: Codable, Sendable, Equatable {
        public var mapping: String
        public var column: String
        public var note: String
    }
}
