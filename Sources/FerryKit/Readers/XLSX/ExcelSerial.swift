/// Excel's serial dates: days since the workbook's epoch, the time of day as the fraction.
/// The 1900 system counts 1900-02-29, a day that never was (Lotus 1-2-3's leap-year bug, kept by
/// Excel): serials below 60 are a day later than a plain count from 1899-12-30 gives, as openpyxl
/// reads them; the 1904 system counts from 1904-01-01.
enum ExcelSerial {
    /// The largest serial Excel shows as a date: 9999-12-31.
    static let largest = 2_958_465.0

    /// The text of the day and time `serial` stands for: `yyyy-MM-dd`, `yyyy-MM-ddTHH:mm:ss` when
    /// it has a time of day and `time` allows, `HH:mm:ss` for `timeOnly`. Nil when it is out of range.
    static func text(_ serial: Double, date1904: Bool, withTime time: Bool, timeOnly: Bool = false) -> String? {
        guard serial.isFinite, serial >= 0, serial <= largest else { return nil }
        var day = serial.rounded(.down)
        var seconds = ((serial - day) * 86_400).rounded()
        if seconds >= 86_400 {
            day += 1
            seconds -= 86_400
        }
        let clock = Int(seconds)
        let hms = pad(clock / 3600) + ":" + pad(clock / 60 % 60) + ":" + pad(clock % 60)
        if timeOnly { return hms }
        var days = Int(day)
        if !date1904 && days < 60 { days += 1 }
        // Days from 1970-01-01 to the epoch: 1899-12-30 is -25569, 1904-01-01 is -24107.
        guard let date = civil(fromDays: days + (date1904 ? -24_107 : -25_569)) else { return nil }
        let text = date.description
        return time && clock > 0 ? text + "T" + hms : text
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// The day `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
    static func civil(fromDays days: Int) -> CalendarDate? {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return CalendarDate(year: year, month: month, day: day)
    }
}
