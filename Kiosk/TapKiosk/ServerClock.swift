import Foundation

/// The service's clock as the kiosk sees it: the kiosk's own clock plus the offset that the last answer's
/// `Date` header showed. Kiosk clocks are often wrong, and a countdown must agree with the service that
/// decides when the pass expires.
public struct ServerClock: Sendable, Equatable {
    /// Seconds to add to the local clock to get the server's.
    public private(set) var offset: TimeInterval

    /// Makes a clock with a known offset (0 until an answer arrived).
    public init(offset: TimeInterval = 0) { self.offset = offset }

    /// Learns the offset from an answer's `Date` header received at `localTime`. The header has whole
    /// seconds, so the server's time is taken as the middle of that second; unreadable headers are ignored.
    public mutating func observe(dateHeader: String, receivedAt localTime: Date) {
        guard let serverTime = Self.parseHTTPDate(dateHeader) else { return }
        offset = serverTime.addingTimeInterval(0.5).timeIntervalSince(localTime)
    }

    /// The server's time at `localTime`.
    public func serverTime(at localTime: Date) -> Date { localTime.addingTimeInterval(offset) }

    /// Reads an HTTP date in the preferred IMF-fixdate form (`Thu, 26 Nov 2026 10:00:00 GMT`).
    public static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
            let month = months.firstIndex(of: String(parts[2])).map({ $0 + 1 })
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (0..<24).contains(clock[0]), (0..<60).contains(clock[1]), (0...60).contains(clock[2])
        else {
            return nil
        }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = clock[0]
        components.minute = clock[1]
        components.second = clock[2]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard (1...31).contains(day), let date = calendar.date(from: components) else { return nil }
        return date
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}
