import Foundation
import TapCore

/// The SQLite store implements every store protocol with the use cases it already has (see UseCases/); only
/// readiness is worded here, from the SQLite-specific ``EnrollmentStore/health()``.
extension EnrollmentStore: TapStore {
    public func readiness() async throws -> StoreReadiness {
        let health = try await health()
        return StoreReadiness(engine: "SQLite \(health.sqliteVersion)", facts: ["journalMode": health.journalMode])
    }
}
