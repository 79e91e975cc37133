import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// `GET /console`: what waits for the signed-in person. Approvals they may decide, their own requests waiting
/// for someone else, and the open sessions they may see, by state. It reads through the same store calls as
/// the API, with the person's own identity, so it shows nothing the API would not.
struct ConsoleHomeController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    /// Rows shown per state; the page says "10+" when there are more (the find page pages through them).
    static let rowsPerState = 10
    static let openStates: [SessionState] = [.awaitingApproval, .pending, .active, .inProgress]

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console", .anyone, handler: home)
    }

    @Sendable func home(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else {
            return ConsoleGate.signInRedirect
        }
        let me = session.operator.identity
        let approvals = try await services.store.pendingApprovals(visibleTo: me)
        var open: [(SessionState, [Session], more: Bool)] = []
        for state in Self.openStates {
            let page = try await services.store.sessions(
                matching: SessionFilter(state: state), visibleTo: me, after: nil, limit: Self.rowsPerState)
            open.append((state, page.items, page.nextCursor != nil))
        }
        let html = ConsolePages.home(
            person: gate.person(session), me: me.id, approvals: approvals, open: open, now: services.world.now())
        return PageResponse.html(html, status: .ok)
    }
}
