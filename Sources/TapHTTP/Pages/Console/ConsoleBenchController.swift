import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapCrypto
import TapStorage

/// The bench in the console: a cart's CSV read exactly as `tapstation session import` reads it (every bad line
/// named before anything is made), then made through the API's batch use case in chunks of the batch limit, each
/// under an idempotency key derived from the file (sending the same file again replays rather than duplicates).
/// The answer shows the passes once, as slips, printable where the policy allows paper, and links to the board.
struct ConsoleBenchController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/bench", .anyone, handler: form)
        routes.add(.post, "/console/bench", .anyone, handler: importFile)
    }

    @Sendable func form(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .batchIssuers, to: "import a bench's devices")
        return PageResponse.html(
            ConsolePages.bench(person: gate.person(session), csv: "", problems: []), status: .ok)
    }

    @Sendable func importFile(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        guard
            let (session, fields) = try await gate.form(
                request, context, limit: services.configuration.maximumBatchBodyBytes)
        else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, .batchIssuers, to: "import a bench's devices")
        let csv = fields["csv"] ?? ""
        let policy = try await services.store.policy()
        let rows: [SessionImport.Row]
        switch SessionImport.read(csv, presets: Set(policy.presets.keys)) {
        case .success(let read): rows = read
        case .failure(.file(let reason)):
            return refused(session, csv: csv, problems: [reason])
        case .failure(.rows(let bad)):
            return refused(session, csv: csv, problems: bad.map(\.description))
        }
        let me = session.operator.identity
        let fileDigest = Hex.encode(try Crypto.sha256(Array(csv.utf8))).prefix(32)
        let chunkSize = StoreLimits.maximumBatchRows
        var results: [ConsolePages.BenchResult] = []
        for start in stride(from: 0, to: rows.count, by: chunkSize) {
            let chunk = Array(rows[start..<min(start + chunkSize, rows.count)])
            let key = "console-import-\(fileDigest)-\(start / chunkSize)"
            let batch = try await SessionsController.createBatch(
                chunk.map { SessionsController.batchRow($0.request) }, by: me, idempotencyKey: key,
                requestDigest: try Crypto.sha256(Array("\(key)\n\(me.id)".utf8)), services: services)
            for (row, outcome) in zip(chunk, batch.rows) { results.append(ConsolePages.BenchResult(row, outcome)) }
        }
        let html = ConsolePages.benchResults(
            results, person: gate.person(session), paperAllowed: policy.paperPassesAllowed ?? false,
            now: services.world.now())
        return PageResponse.html(html, status: .ok)
    }

    private func refused(_ session: ConsoleSession, csv: String, problems: [String]) -> Response {
        PageResponse.html(
            ConsolePages.bench(person: gate.person(session), csv: csv, problems: problems),
            status: .badRequest)
    }
}
