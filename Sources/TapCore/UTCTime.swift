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

    /// Reads the store's column text back: `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1 to 9 fraction
    /// digits (a `T` separator and a trailing `Z` are accepted too). `nil` for anything else, which callers
    /// hand to a general parser. Foundation's calendar arithmetic, which GRDB uses for every date column, was
    /// a visible share of decoding a session row.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// ``parse(_:)`` over UTF-8 bytes, such as SQLite's own text buffer for a column: reading a row's times
    /// without making a `String` of each.
    public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count >= 19 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for index in start..<start + count {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var nanoseconds = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            var scale = 100_000_000
            while index < bytes.count, index - start < 9, let digit = number(index, 1) {
                nanoseconds += digit * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "Z") { index += 1 }
        guard index == bytes.count else { return nil }
        // days_from_civil (Howard Hinnant), the inverse of `parts`.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9)
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
        let scaled = date.timeIntervalSince1970 * 1000
        var totalMilliseconds = Int64(scaled.rounded(.down))
        // A time read back from its own text can land a hair below its millisecond: `Date` counts from 2001,
        // and at today's distance from it a double resolves about 0.1 µs, so 10:00:00.004 comes back as
        // 3.99995 ms past the second. Within a microsecond of the next millisecond counts as that millisecond.
        if Double(totalMilliseconds + 1) - scaled < 1e-3 { totalMilliseconds += 1 }
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
