import Foundation

/// The outside world a use case may consult: the time and a source of random bytes.
///
/// Injected everywhere so that tests run on a fixed clock and fixed randomness, with no sleeps.
public struct World: Sendable {
    /// The current time.
    public var now: @Sendable () -> Date
    /// Cryptographically secure random bytes in production.
    public var randomBytes: @Sendable (Int) -> [UInt8]

    /// Makes a world from a clock and a random source.
    public init(now: @escaping @Sendable () -> Date, randomBytes: @escaping @Sendable (Int) -> [UInt8]) {
        self.now = now
        self.randomBytes = randomBytes
    }

    /// A new time-ordered id for any entity.
    public func newID<Entity>(_: Entity.Type = Entity.self) -> Identifier<Entity> {
        Identifier(time: now(), random: randomBytes(10))
    }

    /// The current time truncated to whole seconds, the resolution of every time the API shows.
    public func currentSecond() -> Date {
        Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down))
    }
}
