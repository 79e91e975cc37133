import Foundation
import Logging
import TapAdmin

@main
struct Entrypoint {
    static func main() async {
        // Only the executable bootstraps logging; libraries take the logger they are given.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .trace  // each logger's own level decides
            return handler
        }
        exit(await TapStationCommand.runMain())
    }
}
