import Foundation
import HTTPTypes
import Hummingbird
import TapAPI
import TapCore
import TapStorage

/// Devices, the audit trail and the policy.
struct ReadController {
    let services: AppServices

    func register(_ routes: RouteTable) {
        routes.add(.get, "/v1/devices", .operators(.sessionReaders), handler: devices)
        routes.add(.get, "/v1/devices/{id}", .operators(.sessionReaders), handler: device)
        routes.add(.get, "/v1/audit", .operators([.admin, .auditor]), handler: audit)
        routes.add(.get, "/v1/policy", .operators(.allOperators), handler: policy)
        routes.add(.patch, "/v1/policy", .operators([.admin]), handler: patchPolicy)
    }

    @Sendable func devices(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        let viewer = try caller.operatorIdentity
        let query = QueryReader(request)
        let page = try await services.store.devices(
            serialNumber: try query.value("serialNumber", SerialNumber.init),
            site: try query.value("site", SiteName.init),
            visibleTo: viewer, after: try query.value("cursor", DeviceID.init), limit: try query.limit())
        return try JSONBody.response(DeviceList(items: page.items.map(DeviceView.init), nextCursor: page.nextCursor))
    }

    @Sendable func device(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let id: DeviceID = try context.pathID(naming: "device")
        guard let device = try await services.store.device(id, visibleTo: try caller.operatorIdentity) else {
            throw APIError.notFound("device")
        }
        return try JSONBody.response(DeviceView(device))
    }

    @Sendable func audit(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let viewer = try caller.operatorIdentity
        let query = QueryReader(request)
        let limit = try query.limit(default: 100, maximum: 1000)
        let events = try await services.store.auditEvents(
            sessionID: try query.value("sessionId", SessionID.init), site: viewer.site, since: try query.time("since"),
            until: try query.time("until"), type: try query.value("type", AuditEventType.init(rawValue:)),
            after: try query.value("cursor", Int64.init), limit: limit + 1)
        let page = Array(events.prefix(limit))
        let next = events.count > limit ? page.last.map { String($0.sequence) } : nil
        return try JSONBody.response(AuditList(items: page.map(AuditEventView.init), nextCursor: next))
    }

    @Sendable func policy(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        let current = try await services.store.versionedPolicy()
        return try JSONBody.response(current.policy, headers: [.eTag: Self.policyETag(current.version)])
    }

    /// The policy's version as an entity tag: `"7"`.
    static func policyETag(_ version: Int) -> String { "\"\(version)\"" }

    /// The version an `If-Match` header asks for: `nil` for none or `*`; any other value that is not one of our
    /// strong tags (`"7"`) matches no version, so the patch is refused as stale (412), as HTTP has it. A value
    /// longer than any entity tag we send is a bad request instead.
    static func expectedPolicyVersion(_ request: Request) throws -> Int? {
        guard let header = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces), header != "*" else {
            return nil
        }
        guard header.utf8.count <= 64 else {
            throw APIError.invalidRequest("If-Match is longer than an entity tag (64 characters)", field: "If-Match")
        }
        guard header.count >= 3, header.hasPrefix("\""), header.hasSuffix("\""),
            let version = Int(header.dropFirst().dropLast())
        else { return -1 }
        return version
    }

    @Sendable func patchPolicy(
        _ request: Request, _ context: TapRequestContext, _ caller: Caller
    ) async throws -> Response {
        let actor = try caller.operatorIdentity
        if actor.site != nil { throw APIError.forbidden("only a global admin may change the policy") }
        let (patch, _) = try await JSONBody.decode(JSONValue.self, from: request, limits: services.configuration)
        // Switching admins' tokens off with an admin token would leave no proof that any admin can still sign in
        // to the console; from the console, the admin doing it is that proof.
        let current = try await services.store.policy()
        let proposed = try current.applying(mergePatch: patch)
        if proposed.consoleOnlyRoles?.contains(.admin) == true, current.consoleOnlyRoles?.contains(.admin) != true {
            throw APIError(
                status: .conflict, code: .conflict,
                detail: "admins' tokens are switched off from the console's policy page, signed in as an admin",
                field: "consoleOnlyRoles")
        }
        let patched = try await services.store.patchPolicy(
            patch, by: actor, expectedVersion: try Self.expectedPolicyVersion(request))
        services.consoleOnlyRoles.invalidate()
        return try JSONBody.response(patched.policy, headers: [.eTag: Self.policyETag(patched.version)])
    }
}
