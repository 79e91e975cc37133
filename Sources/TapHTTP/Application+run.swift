import Hummingbird
import Logging
import ServiceLifecycle
import TapCore
import TapOIDC
import TapStorage

/// Builds the application with `buildApplication` and runs it with its services until SIGTERM or SIGINT, then
/// shuts down gracefully: what `tapstation serve` needs, so that only this module knows Hummingbird.
public func runServer(
    configuration: ServerConfiguration, store: any TapStore, keyring: Keyring, world: World, logger: Logger,
    entra: EntraServices? = nil, singleSignOn: OpenIDProvider? = nil, facts: ServiceFacts = ServiceFacts(),
    metadata: MetadataSettings? = nil, additionalServices: [any Service] = [],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws {
    let app = buildApplication(
        configuration: configuration, store: store, keyring: keyring, world: world, logger: logger, entra: entra,
        singleSignOn: singleSignOn, facts: facts, metadata: metadata, additionalServices: additionalServices,
        onServerRunning: onServerRunning)
    try await app.runService()
}
