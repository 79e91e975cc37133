import Dispatch
import Foundation
import GRDB

/// Copies the WAL back into the database file from a connection of its own, so that the writer never does.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages: that commit
/// then copies some 4 MB into the database file and fsyncs it while every queued write waits. Under the
/// expiry sweep's writes that happened several times a second and set redeem's p99 (115 ms with it, 44 ms
/// without, in back-to-back runs: BENCHMARKS.md, session 5). The writer therefore runs with
/// `wal_autocheckpoint = 0`, and this connection runs a PASSIVE checkpoint every 100 ms (once a second when
/// idle): it copies what no reader still needs, without taking the write lock.
///
/// SQLite starts the WAL over from its first frame only at a write that finds every frame copied, and under
/// steady writes this connection never copies them all: commits land while it copies. The WAL then grew by
/// some 90 MB a second under create load (457 MB after 5 s), a bench run left gigabytes on disk, and the next
/// process had to read all of it back at start. So once a checkpoint leaves more than
/// `restartFrames` in the WAL, `finish` copies the rest on the writer, between two of its transactions (only
/// what was committed while this one copied) and waits for readers still on WAL frames, so that the next write
/// starts the WAL over.
///
/// Crash safety is SQLite's own: a checkpoint never removes frames from the WAL that the database file does
/// not hold yet, and an interrupted one is redone from the WAL on the next open.
final class WALCheckpointer: @unchecked Sendable {
    static let interval: DispatchTimeInterval = .milliseconds(100)
    /// WAL frames (4 KiB pages) past which the writer finishes a checkpoint, so that the WAL starts over: 256 MiB,
    /// one to two seconds of writes under full load, never reached at ordinary load (a checkpoint then finds the
    /// WAL all copied before the next write, which starts it over by itself). Each finish holds the writer for
    /// some 5-18 ms (the copy of what was committed meanwhile and the database file's fsync): at 16 MiB that came
    /// five times a second, and at 128 MiB (about once a second) redeem's p99 under full load rose to 28-36 ms.
    static let restartFrames = 65_536
    /// Ticks (a second) between tries when the writer could not finish.
    static let finishBackOffTicks = 10

    /// The timer's handler holds the connection, not `self`, so the checkpointer ends with the last copy of
    /// the store that owns it. Both are touched only in `init` and `stop`.
    private let timer: DispatchSourceTimer
    private let queue = DispatchQueue(label: "tapstation.checkpointer")
    private let connection: DatabaseQueue

    /// `finish` runs a RESTART checkpoint on the writer connection and returns how many frames the WAL held and
    /// how many of them are now copied.
    init(
        path: String, restartFrames: Int = WALCheckpointer.restartFrames,
        finish: @escaping @Sendable () throws -> (walFrames: Int, copied: Int)
    ) throws {
        var configuration = Configuration()
        configuration.label = "tapstation.checkpointer"
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        self.connection = connection
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + Self.interval, repeating: Self.interval, leeway: .milliseconds(20))
        let walPath = path + "-wal"
        // The WAL as it looked (size, time stamp) before the last checkpoint that copied all of it, and how many
        // ticks have been skipped since.
        var lastCopied: (size: Int, modified: Date)?
        var skipped = 0
        // Ticks to wait before the writer is asked to finish again after it could not (a long reader, such as a
        // backup, held WAL frames): each try costs every queued write up to 20 ms.
        var finishBackOff = 0
        timer.setEventHandler {
            // Unchanged since a checkpoint that copied everything: skip, with no more work than this stat. But
            // a commit's frames reach the file before SQLite publishes them (after the WAL's fsync), and a
            // checkpoint in between copies all it can see while the file already looks final; so every tenth
            // tick checkpoints regardless. (Asking SQLite every tick, `PRAGMA data_version`, cost enough with
            // the many stores the parallel tests keep open to stall their ThreadSanitizer run.)
            let attributes = try? FileManager.default.attributesOfItem(atPath: walPath)
            let seen = (attributes?[.size] as? Int ?? 0, attributes?[.modificationDate] as? Date ?? .distantPast)
            if let lastCopied, lastCopied == seen, skipped < 9 {
                skipped += 1
                return
            }
            skipped = 0
            // A checkpoint that fails or stops short (a reader still needs some frames) loses nothing, and is
            // tried again at the next tick: the WAL is noted as copied only once all of it was.
            do {
                var (walFrames, copied) = try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                if walFrames > restartFrames, finishBackOff == 0 {
                    do {
                        (walFrames, copied) = try finish()
                    } catch {
                        finishBackOff = Self.finishBackOffTicks
                    }
                }
                finishBackOff = max(0, finishBackOff - 1)
                lastCopied = copied >= walFrames ? seen : nil
            } catch {
                lastCopied = nil
            }
        }
        timer.resume()
    }

    /// Stops checkpointing and closes the connection, for a store about to close its file (a restore then
    /// moves it): no checkpoint may touch the file afterwards.
    func stop() throws {
        timer.cancel()
        queue.sync {}  // a checkpoint already running finishes first
        try connection.close()
    }

    /// Closes the connection now rather than whenever dispatch lets go of the cancelled timer's handler:
    /// the last connection to close takes an exclusive lock to fold the WAL in, which must not surprise
    /// whoever opens the file next (a CLI command right after another, in the tests).
    deinit {
        try? stop()
    }
}
