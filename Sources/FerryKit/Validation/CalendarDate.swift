#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A day of the Gregorian calendar that exists (no 31 February), written `YYYY-MM-DD` in the
/// canonical model.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil when the day does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CalendarDate.days(inMonth: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String { DateFormat.iso.format(self) }

    /// Today in the machine's local time zone.
    public static func today() -> CalendarDate {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return CalendarDate(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday))!
    }
}

/// Now in UTC as `2026-11-23T08:09:05Z`, without a formatter (creating one costs more than a request).
public func utcTimestamp() -> String {
    var now = time(nil)
    var parts = tm()
    gmtime_r(&now, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return
        "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
}

/// A date layout declared in a mapping (`dd/MM/yyyy`, `yyyy-MM-dd`, `yyyy-MM-dd'T'HH:mm:ss`...).
/// Ferry never guesses a layout row by row: `03/04/1978` is April or March by declaration only.
///
/// Letters: `yyyy` year, `MM` or `M` month, `dd` or `d` day (on reading, both accept one or two
/// digits; on writing `MM`/`dd` pad to two), `HH` `mm` `ss` time (read and checked, not kept),
/// `SSS` fraction, `Z` a zone (`Z`, `+01:00`), `'text'` literal text; any other character is literal.
/// `iso_datetime` stands for `yyyy-MM-dd'T'HH:mm:ss` with an optional fraction and zone.
public struct DateFormat: Sendable, Equatable, CustomStringConvertible {
    enum Token: Sendable, Equatable {
        case year, month(pad: Bool), day(pad: Bool), hour, minute, second, fraction, zone
        case literal(UInt8)
        /// A fraction or a zone that may be missing (`iso_datetime`).
        case optionalFraction, optionalZone
    }

    let tokens: [Token]
    public let pattern: String

    public var description: String { pattern }

    /// `yyyy-MM-dd`.
    public static let iso = try! DateFormat("yyyy-MM-dd")

    /// Parses a pattern; throws a message naming what is allowed.
    public init(_ pattern: String) throws(ValidationFailure) {
        self.pattern = pattern
        if pattern == "iso_datetime" {
            let head = try DateFormat.tokens(of: "yyyy-MM-dd'T'HH:mm:ss")
            tokens = head + [.optionalFraction, .optionalZone]
            return
        }
        tokens = try DateFormat.tokens(of: pattern)
        guard tokens.contains(.year), tokens.contains(where: { if case .month = $0 { true } else { false } }),
            tokens.contains(where: { if case .day = $0 { true } else { false } })
        else {
            throw ValidationFailure("date format '\(pattern)' needs a year (yyyy), a month (MM) and a day (dd)")
        }
    }

    private static func tokens(of pattern: String) throws(ValidationFailure) -> [Token] {
        var tokens: [Token] = []
        let bytes = Array(pattern.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            var run = 1
            while index + run < bytes.count, bytes[index + run] == byte { run += 1 }
            switch (byte, run) {
            case (UInt8(ascii: "y"), 4): tokens.append(.year)
            case (UInt8(ascii: "M"), 1...2): tokens.append(.month(pad: run == 2))
            case (UInt8(ascii: "d"), 1...2): tokens.append(.day(pad: run == 2))
            case (UInt8(ascii: "H"), 2): tokens.append(.hour)
            case (UInt8(ascii: "m"), 2): tokens.append(.minute)
            case (UInt8(ascii: "s"), 2): tokens.append(.second)
            case (UInt8(ascii: "S"), _): tokens.append(.fraction)
            case (UInt8(ascii: "Z"), 1), (UInt8(ascii: "X"), 1...3): tokens.append(.zone)
            case (UInt8(ascii: "'"), _):
                guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "'")) else {
                    throw ValidationFailure("date format '\(pattern)' has an unclosed quote")
                }
                for literal in bytes[(index + 1)..<close] { tokens.append(.literal(literal)) }
                index = close + 1
                continue
            case (let letter, _) where isASCIILetter(letter):
                throw ValidationFailure(
                    "date format '\(pattern)' has '\(String(repeating: Character(UnicodeScalar(letter)), count: run))', which is not one of yyyy, MM, M, dd, d, HH, mm, ss, SSS, Z"
                )
            default:
                for _ in 0..<run { tokens.append(.literal(byte)) }
            }
            index += run
        }
        return tokens
    }

    /// Reads a date written in this format; fails on text that does not fit or a day that does not exist.
    public func parse(_ text: String) -> Result<CalendarDate, ValidationFailure> {
        var copy = text
        let reading = copy.withUTF8 { read($0) }
        if case .date(let date) = reading { return .success(date) }
        return .failure(failure(reading, text: text))
    }

    /// The words for a text this format does not read (`reading` is what `read` said of it).
    func failure(_ reading: Reading, text: String) -> ValidationFailure {
        switch reading {
        case .date, .noMatch: ValidationFailure("not a date in the format \(pattern)")
        case .noSuchDay:
            ValidationFailure(
                "no such day in the calendar (format \(pattern))", detail: "no such day: \(text) (format \(pattern))")
        }
    }

    enum Reading { case date(CalendarDate), noMatch, noSuchDay }

    /// Reads a date from bytes (spaces around it are ignored).
    func read(_ text: UnsafeBufferPointer<UInt8>) -> Reading {
        tokens.withUnsafeBufferPointer { DateFormat.read(text, tokens: $0) }
    }

    /// Reads a date from bytes with a format's tokens (the mapping plan keeps its own copy of them).
    /// A text that does not fit the format but is an ISO day (`1990-05-12`, as a workbook's date
    /// cells and the APIs give dates) is read as that day: it cannot mean another.
    static func read(_ text: UnsafeBufferPointer<UInt8>, tokens: UnsafeBufferPointer<Token>) -> Reading {
        let reading = readExactly(text, tokens: tokens)
        guard case .noMatch = reading else { return reading }
        return isoDay.withUnsafeBufferPointer { iso in
            switch readExactly(text, tokens: iso) {
            case .date(let date): .date(date)
            case .noSuchDay: .noSuchDay
            case .noMatch: .noMatch
            }
        }
    }

    private static let isoDay: [Token] = [
        .year, .literal(0x2D), .month(pad: true), .literal(0x2D), .day(pad: true),
    ]

    private static func readExactly(_ text: UnsafeBufferPointer<UInt8>, tokens: UnsafeBufferPointer<Token>) -> Reading {
        var index = 0, end = text.count
        while index < end, text[index] == 0x20 { index += 1 }
        while end > index, text[end - 1] == 0x20 { end -= 1 }
        var year = 0, month = 0, day = 0
        @inline(__always) func number(min: Int, max: Int) -> Int? {
            var value = 0, count = 0
            while index < end, count < max, isASCIIDigit(text[index]) {
                value = value * 10 + Int(text[index] - 0x30)
                index += 1
                count += 1
            }
            return count >= min ? value : nil
        }
        func fraction() -> Bool {
            guard index < end, text[index] == 0x2E else { return false }
            index += 1
            return number(min: 1, max: 9) != nil
        }
        func zone() -> Bool {
            guard index < end else { return false }
            if text[index] == UInt8(ascii: "Z") { index += 1; return true }
            guard text[index] == 0x2B || text[index] == 0x2D else { return false }
            index += 1
            guard number(min: 2, max: 2) != nil else { return false }
            if index < end, text[index] == 0x3A { index += 1 }
            return number(min: 2, max: 2) != nil
        }
        for token in tokens {
            switch token {
            case .year: guard let v = number(min: 4, max: 4) else { return .noMatch }; year = v
            case .month: guard let v = number(min: 1, max: 2) else { return .noMatch }; month = v
            case .day: guard let v = number(min: 1, max: 2) else { return .noMatch }; day = v
            case .hour: guard let v = number(min: 2, max: 2), v < 24 else { return .noMatch }
            case .minute, .second: guard let v = number(min: 2, max: 2), v < 60 else { return .noMatch }
            case .fraction: guard fraction() else { return .noMatch }
            case .zone: guard zone() else { return .noMatch }
            case .literal(let literal):
                guard index < end, text[index] == literal else { return .noMatch }
                index += 1
            case .optionalFraction:
                let saved = index
                if !fraction() { index = saved }
            case .optionalZone:
                let saved = index
                if !zone() { index = saved }
            }
        }
        guard index == end else { return .noMatch }
        guard let date = CalendarDate(year: year, month: month, day: day) else { return .noSuchDay }
        return .date(date)
    }

    /// Writes a date in this format (times are written as midnight UTC).
    public func format(_ date: CalendarDate) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: formattedCapacity) { out in
            String(
                decoding: UnsafeBufferPointer(start: out.baseAddress, count: write(date, into: out.baseAddress!)),
                as: UTF8.self)
        }
    }

    /// The most bytes `write` produces.
    var formattedCapacity: Int { 16 + tokens.count * 4 }

    /// Writes a date into `out` (room for `formattedCapacity` bytes); returns the byte count.
    func write(_ date: CalendarDate, into out: UnsafeMutablePointer<UInt8>) -> Int {
        tokens.withUnsafeBufferPointer { DateFormat.write(date, tokens: $0, into: out) }
    }

    /// Writes a date with a format's tokens.
    static func write(_ date: CalendarDate, tokens: UnsafeBufferPointer<Token>, into out: UnsafeMutablePointer<UInt8>)
        -> Int
    {
        var count = 0
        @inline(__always) func put(_ value: Int, width: Int) {
            var digits = 1, rest = value / 10
            while rest > 0 { digits += 1; rest /= 10 }
            let total = max(digits, width)
            var v = value
            for i in stride(from: count + total - 1, through: count, by: -1) {
                out[i] = UInt8(0x30 + v % 10)
                v /= 10
            }
            count += total
        }
        for token in tokens {
            switch token {
            case .year: put(date.year, width: 4)
            case .month(let pad): put(date.month, width: pad ? 2 : 1)
            case .day(let pad): put(date.day, width: pad ? 2 : 1)
            case .hour, .minute, .second: put(0, width: 2)
            case .fraction, .optionalFraction: break
            case .zone, .optionalZone: out[count] = UInt8(ascii: "Z"); count += 1
            case .literal(let byte): out[count] = byte; count += 1
            }
        }
        return count
    }

    /// True when the layout carries a time of day, which the canonical date does not keep.
    public var dropsTime: Bool { tokens.contains(.hour) }
}
