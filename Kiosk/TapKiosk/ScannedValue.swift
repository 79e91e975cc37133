import TapCore

/// Turns what a technician typed or a barcode scanner sent into a serial number or a user principal name.
///
/// Scanners add things around the value: an AIM symbology identifier (`]C1`, `]Q3`), a configured
/// prefix or suffix, a label printed in the barcode (`S/N:`, `Serial:`), and Apple's box barcodes put an `S`
/// before the serial. Those are trimmed; then the platform's own format check (an IMEI's Luhn digit, Apple's
/// 10 to 12 characters) catches a misread before a pass is minted for the wrong device.
public struct ScannedValue: Sendable, Equatable {
    /// Extra prefixes and suffixes this site's scanners are configured to send.
    public var prefixes: [String]
    public var suffixes: [String]
    /// Appended to a user name typed without `@domain`, when set.
    public var defaultDomain: String?

    /// Makes a cleaner.
    public init(prefixes: [String] = [], suffixes: [String] = [], defaultDomain: String? = nil) {
        self.prefixes = prefixes
        self.suffixes = suffixes
        self.defaultDomain = defaultDomain
    }

    /// Why a scanned serial number was refused, in words for the screen.
    public enum SerialProblem: Error, Equatable, Sendable {
        case empty
        case notASerial
        case appleFormat
        case imeiCheckDigit

        /// One line for the technician.
        public var message: String {
            switch self {
            case .empty: "Nothing was scanned; scan or type the serial number."
            case .notASerial: "A serial number is 1 to 64 letters, digits and '-'; scan or type it again."
            case .appleFormat: "An Apple serial number has 10 to 12 letters and digits; scan it again."
            case .imeiCheckDigit: "That IMEI's check digit does not match: it was misread; scan it again."
            }
        }
    }

    /// The serial number in `text`, cleaned and checked for `platform` (`nil` before the platform is known).
    public func serialNumber(_ text: String, platform: DevicePlatform?) -> Result<SerialNumber, SerialProblem> {
        var value = strippedOfScannerDecoration(text)
        for label in ["S/N:", "S/N", "SN:", "SERIAL NUMBER:", "SERIAL:", "SERIAL NO.:", "SERIAL NO:"]
        where value.uppercased().hasPrefix(label) {
            value = String(value.dropFirst(label.count))
            break
        }
        value = value.filter { $0 != " " }.uppercased()
        if let platform, platform.isApple, value.first == "S", [11, 13].contains(value.count) {
            value.removeFirst()  // Apple packaging barcodes encode the serial as "S" + serial
        }
        guard !value.isEmpty else { return .failure(.empty) }
        guard let serial = SerialNumber(value) else { return .failure(.notASerial) }
        switch platform {
        case .some(let apple) where apple.isApple:
            guard (10...12).contains(value.count), !value.contains("-") else { return .failure(.appleFormat) }
        case .android:
            if value.count == 15, value.allSatisfy(\.isASCIIDigit), !Self.luhnValid(value) {
                return .failure(.imeiCheckDigit)
            }
        default:
            break
        }
        return .success(serial)
    }

    /// The user principal name in `text`, or `nil` when it is not one.
    public func userPrincipalName(_ text: String) -> UserPrincipalName? {
        var value = strippedOfScannerDecoration(text).filter { $0 != " " }
        if !value.contains("@"), let defaultDomain, !value.isEmpty { value += "@" + defaultDomain }
        return UserPrincipalName(value)
    }

    /// `text` without an AIM symbology identifier and the configured prefixes and suffixes.
    func strippedOfScannerDecoration(_ text: String) -> String {
        var value = Substring(text.trimmingWhitespace())
        // AIM identifier: ']' then a code letter then a modifier character (ISO/IEC 15424).
        if value.count >= 3, value.first == "]", value.dropFirst().first?.isLetter == true {
            value = value.dropFirst(3)
        }
        for prefix in prefixes where !prefix.isEmpty && value.hasPrefix(prefix) {
            value = value.dropFirst(prefix.count)
            break
        }
        for suffix in suffixes where !suffix.isEmpty && value.hasSuffix(suffix) {
            value = value.dropLast(suffix.count)
            break
        }
        return String(value).trimmingWhitespace()
    }

    /// The Luhn check over a string of digits (IMEIs end with one).
    static func luhnValid(_ digits: String) -> Bool {
        var sum = 0
        for (offset, character) in digits.reversed().enumerated() {
            guard let digit = character.wholeNumberValue else { return false }
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }
}

extension DevicePlatform {
    /// Apple platforms share one serial number format.
    var isApple: Bool { self == .ios || self == .ipados || self == .macos }

    /// How the platform menu names it.
    public var menuTitle: String {
        switch self {
        case .ios: "iPhone (Apple ADE)"
        case .ipados: "iPad (Apple ADE)"
        case .macos: "Mac (Apple ADE)"
        case .android: "Android (dedicated or shared)"
        case .windows: "Windows (Autopilot)"
        case .linux: "Linux"
        case .other: "Other"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
