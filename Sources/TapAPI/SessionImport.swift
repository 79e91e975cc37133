import Foundation
import TapAPI
import TapCore

/// A bench's CSV of devices, read and checked in full before anything is created.
///
/// The first line names the columns: `serialNumber`, `platform`, `userPrincipalName` and `preset` are
/// required, `model`, `assetTag` and `reason` optional, in any order. Fields may be quoted ("…", with ""
/// for a quote inside), as spreadsheets write them.
public struct SessionImport {
    /// One device of the file, with the line it came from.
    public struct Row: Equatable, Sendable {
        public var line: Int
        public var request: CreateSessionRequest

        public init(line: Int, request: CreateSessionRequest) {
            self.line = line
            self.request = request
        }
    }

    /// One bad row: its line number and everything wrong with it.
    public struct BadRow: Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var problems: [String]

        public var description: String { "line \(line): \(problems.joined(separator: "; "))" }
    }

    public static let requiredColumns = ["serialNumber", "platform", "userPrincipalName", "preset"]
    public static let optionalColumns = ["model", "assetTag", "reason"]

    /// Reads `text`; either every row is good, or the bad ones are all reported (and nothing is returned to
    /// create). `presets` are the policy's preset names.
    public static func read(_ text: String, presets: Set<String>) -> Result<[Row], ImportRefusal> {
        let lines = CSV.records(text)
        guard let header = lines.first else { return .failure(.file("the file is empty")) }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() {
            guard requiredColumns.contains(name) || optionalColumns.contains(name) else {
                let shown = name.isEmpty ? "(empty)" : TerminalText.sanitized(name.prefix(70))
                return .failure(.file("line \(header.line): unknown column \(shown)"))
            }
            guard index[name] == nil else {
                return .failure(.file("line \(header.line): column \(name) appears twice"))
            }
            index[name] = position
        }
        let missing = requiredColumns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            return .failure(.file("line \(header.line): missing column(s) \(missing.joined(separator: ", "))"))
        }

        var rows: [Row] = []
        var bad: [BadRow] = []
        var seenSerials: [String: Int] = [:]
        for record in lines.dropFirst()
        where !(record.fields.count == 1 && record.fields[0].trimmingCharacters(in: .whitespaces).isEmpty) {
            func field(_ name: String) -> String? {
                guard let position = index[name], position < record.fields.count else { return nil }
                let value = record.fields[position].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            var problems: [String] = []
            if record.fields.count != columns.count {
                problems.append("has \(record.fields.count) fields, the header has \(columns.count)")
            }
            let serial = field("serialNumber").flatMap(SerialNumber.init)
            if serial == nil {
                problems.append("serialNumber \(quoted(field("serialNumber"))) is not 1-64 letters, digits and -")
            }
            let platform = field("platform").flatMap { DevicePlatform(rawValue: $0.lowercased()) }
            if platform == nil {
                problems.append(
                    "platform \(quoted(field("platform"))) is not one of \(DevicePlatform.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let user = field("userPrincipalName").flatMap(UserPrincipalName.init)
            if user == nil {
                problems.append("userPrincipalName \(quoted(field("userPrincipalName"))) is not local@domain")
            }
            let preset = field("preset")
            if preset == nil || !presets.contains(preset!) {
                problems.append(
                    "preset \(quoted(preset)) is not one of the policy's presets (\(presets.sorted().joined(separator: ", ")))"
                )
            }
            for (name, maximum) in [("model", 100), ("assetTag", 64), ("reason", 500)] {
                if let value = field(name) {
                    if value.unicodeScalars.count > maximum {
                        problems.append("\(name) is longer than \(maximum) characters")
                    }
                    if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                        problems.append("\(name) contains control characters")
                    }
                }
            }
            if let serial {
                if let first = seenSerials[serial.value] {
                    problems.append("serialNumber \(serial.value) is already on line \(first)")
                } else {
                    seenSerials[serial.value] = record.line
                }
            }
            guard problems.isEmpty, let serial, let platform, let user else {
                bad.append(BadRow(line: record.line, problems: problems))
                continue
            }
            rows.append(
                Row(
                    line: record.line,
                    request: CreateSessionRequest(
                        scenario: .deviceEnrollment, userPrincipalName: user,
                        device: DeviceDescription(
                            serialNumber: serial, platform: platform, model: field("model"), assetTag: field("assetTag")
                        ),
                        reason: field("reason"), pass: PassRequest(preset: preset))))
        }
        if !bad.isEmpty { return .failure(.rows(bad)) }
        if rows.isEmpty { return .failure(.file("the file has a header but no rows")) }
        return .success(rows)
    }

    /// A cell as a refusal quotes it: cut short, and with anything a terminal would act on replaced, since the
    /// refusal goes to the operator's terminal.
    private static func quoted(_ value: String?) -> String {
        guard let value else { return "(empty)" }
        return "'\(TerminalText.sanitized(value.prefix(70)))'"
    }
}

/// Why an import was refused before anything was created.
public enum ImportRefusal: Error, Equatable, Sendable {
    /// The file as a whole cannot be read.
    case file(String)
    /// These rows are bad.
    case rows([SessionImport.BadRow])
}

/// A small RFC 4180 reader: records with the line each starts on; quoted fields may hold commas, quotes
/// and line breaks.
public enum CSV {
    public struct Record: Equatable, Sendable {
        public var line: Int
        public var fields: [String]
    }

    public static func records(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }  // a spreadsheet's byte order mark
        var index = 0
        func endRecord() {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields))
            fields = []
            field = ""
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if inQuotes {
                if scalar == "\"" {
                    if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
            } else {
                switch scalar {
                case "\"" where field.isEmpty: inQuotes = true
                case ",":
                    fields.append(field)
                    field = ""
                case "\r": break
                case "\n":
                    endRecord()
                    line += 1
                    recordLine = line
                default: field.unicodeScalars.append(scalar)
                }
            }
            index += 1
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }

    /// One cell of a CSV that a spreadsheet may open: a cell a spreadsheet would run as a formula (leading `=`,
    /// `+`, `-`, `@`, tab or carriage return) gets a leading `'` and quotes, as OWASP's CSV injection sheet
    /// advises; any other cell is ``escape(_:)``d.
    public static func spreadsheetCell(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else {
            return escape(value)
        }
        return "\"'" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One field, quoted when it needs to be.
    public static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
