import Foundation

/// Fast UTC formatting of the two time formats TapStation writes: the store's column text and the API's
/// RFC 3339. Foundation's formatters were a visible share of every request's CPU (bench/README.md).
public enum UTCTime {
    /// `2026-11-26 10:00:00.123`, UTC, milliseconds truncated: the text GRDB writes for a `Date`, so rows
    /// written either way compare and parse alike.
    public static func text(_ date: Date) -> String {
        let (civil, milliseconds) = parts(date)
        var out = [UInt8]()
        out.reserveCapacity(23)
        civil.write(into: &out, dateTimeSeparator: UInt8(ascii: " "))
        out.append(UInt8(ascii: "."))
        append(milliseconds, digits: 3, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `2026-11-26T10:00:00Z`: RFC 3339 UTC in whole seconds, like the API.
    public static func rfc3339(_ date: Date) -> String {
        var out = [UInt8]()
        out.reserveCapacity(20)
        parts(date).civil.write(into: &out, dateTimeSeparator: UInt8(ascii: "T"))
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    struct Civil {
        var year, month, day, hour, minute, second: Int

        func write(into out: inout [UInt8], dateTimeSeparator: UInt8) {
            UTCTime.append(year, digits: 4, to: &out)
            out.append(UInt8(ascii: "-"))
            UTCTime.append(month, digits: 2, to: &out)
            out.append(UInt8(ascii: "-"))
            UTCTime.append(day, digits: 2, to: &out)
            out.append(dateTimeSeparator)
            UTCTime.append(hour, digits: 2, to: &out)
            out.append(UInt8(ascii: ":"))
            UTCTime.append(minute, digits: 2, to: &out)
            out.append(UInt8(ascii: ":"))
            UTCTime.append(second, digits: 2, to: &out)
        }
    }

    static func parts(_ date: Date) -> (civil: Civil, milliseconds: Int) {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = totalMilliseconds / 1000
        var milliseconds = totalMilliseconds % 1000
        if milliseconds < 0 { milliseconds += 1000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        // Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let civil = Civil(
            year: Int(year), month: Int(month), day: Int(day), hour: Int(secondOfDay / 3600),
            minute: Int(secondOfDay % 3600 / 60), second: Int(secondOfDay % 60))
        return (civil, Int(milliseconds))
    }

    static func append(_ value: Int, digits: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<digits { divisor *= 10 }
        var rest = max(0, value)
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
