import Foundation
import Logging
import TapAdmin

@main
struct Entrypoint {
    static func main() async {
        // Only the executable bootstraps logging; libraries take the logger they are given.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            // Libraries' own loggers (Hummingbird's per-connection one) stay at info; ours set their level
            // from TAPSTATION_LOG_LEVEL, which overrides this.
            handler.logLevel = .info
            return handler
        }
        exit(await TapStationCommand.runMain())
    }
}
