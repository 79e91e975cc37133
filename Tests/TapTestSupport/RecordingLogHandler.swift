import Logging

/// A log handler that hands every line, at every level, to `record`: tests keep the lines and read them back.
public struct RecordingLogHandler: LogHandler {
    /// One logged line: its level, its message and its metadata (the logger's merged with the event's).
    public typealias Line = (level: Logger.Level, message: String, metadata: Logger.Metadata)

    private let record: @Sendable (Line) -> Void
    /// The logger's own metadata.
    public var metadata: Logger.Metadata = [:]
    /// Starts at trace, so a test sees every line.
    public var logLevel: Logger.Level = .trace

    /// Makes a handler that passes each line to `record`.
    public init(record: @escaping @Sendable (Line) -> Void) {
        self.record = record
    }

    /// One metadata value of the logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Hands the line on.
    public func log(event: LogEvent) {
        record((event.level, "\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}
