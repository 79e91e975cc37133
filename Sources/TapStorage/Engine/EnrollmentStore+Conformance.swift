import Foundation
import TapCore

/// The store implements every store protocol with the use cases it already has (see UseCases/); readiness is
/// the engine's to word.
extension EnrollmentStore: TapStore {
    public func readiness() async throws -> StoreReadiness {
        try await engine.readiness()
    }
}
