import Foundation
import HTTPTypes
import Hummingbird
import TapCore
import TapStorage

/// The policy page: the document as a form, one place (the defaults, or one site and scenario) at a time, plus
/// the settings that apply everywhere and the raw JSON for experts. Every edit is turned into one merge patch,
/// checked by the same ``Policy/applying(mergePatch:)`` the API's `PATCH /v1/policy` runs, shown as a diff and
/// in words, and saved (after a fresh proof) against the version the admin started from, so that the second
/// of two admins editing at once is refused with the other's change shown instead of undoing it.
struct ConsolePolicyController {
    let services: AppServices

    var gate: ConsoleGate { ConsoleGate(services: services) }

    static let readers: Set<Role> = [.admin, .auditor]

    func register(_ routes: RouteTable) {
        routes.add(.get, "/console/policy", .anyone, handler: editor)
        routes.add(.post, "/console/policy/preview", .anyone, handler: preview)
        routes.add(.post, "/console/policy/save", .anyone, handler: save)
    }

    @Sendable func editor(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let session = try await gate.signedIn(request, context) else { return ConsoleGate.signInRedirect }
        try ConsoleGate.authorize(session, Self.readers, to: "read the policy")
        let query = QueryReader(request)
        let place = PolicyPlace(site: query.parameters["site"], scenario: query.parameters["scenario"])
        let notice = query.parameters["saved"].flatMap { Int($0) }.map { "Saved: the policy is at version \($0) now." }
        return try await editorPage(session, place: place, problem: nil, notice: notice, status: .ok)
    }

    @Sendable func preview(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response
    {
        guard let (session, fields) = try await gate.form(request, context, limit: 256 * 1024) else {
            return ConsoleGate.signInRedirect
        }
        try authorizeChange(session)
        let current = try await services.store.versionedPolicy()
        let base = fields["version"].flatMap { Int($0) } ?? current.version
        let place = PolicyPlace(site: fields["site"], scenario: fields["scenario"])
        let proposed: Policy
        let patch: JSONValue
        do {
            let before = try current.policy.asJSON()
            patch = JSONValue.mergePatch(from: before, to: try PolicyForm.proposal(fields, current: before))
            proposed = try current.policy.applying(mergePatch: patch)
        } catch {
            let refusal = try ConsoleSessionsController.refusal(error)
            return try await editorPage(
                session, place: place, problem: refusal, notice: nil, status: refusal.status, typed: fields)
        }
        let change = PolicyChange(from: current.policy, to: proposed)
        guard !change.isEmpty else {
            return try await editorPage(
                session, place: place, problem: nil, notice: "Nothing changes: the form says what the policy says.",
                status: .ok)
        }
        return previewPage(session, change: change, patch: patch, version: base, problem: nil, status: .ok)
    }

    @Sendable func save(_ request: Request, _ context: TapRequestContext, _ caller: Caller) async throws -> Response {
        guard let (session, fields) = try await gate.form(request, context, limit: 256 * 1024) else {
            return ConsoleGate.signInRedirect
        }
        try authorizeChange(session)
        guard let text = fields["patch"], let version = fields["version"].flatMap({ Int($0) }),
            let patch = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        else {
            throw APIError.invalidRequest("this form is incomplete; start again from the policy page", field: "patch")
        }
        let current = try await services.store.versionedPolicy()
        guard gate.isFreshlyProven(session) else {
            let change = PolicyChange(
                from: current.policy, to: (try? current.policy.applying(mergePatch: patch)) ?? current.policy)
            return previewPage(
                session, change: change, patch: patch, version: version,
                problem: "Confirm it is you with your passkey first, then save again.", status: .forbidden)
        }
        do {
            let saved = try await services.store.patchPolicy(
                patch, by: session.operator.identity, expectedVersion: version)
            services.consoleOnlyRoles.invalidate()
            return ConsoleGate.redirect(to: "/console/policy?saved=\(saved.version)")
        } catch EnrollmentError.policyChanged {
            return try await stalePage(session, yourPatch: patch, baseVersion: version)
        } catch {
            let refusal = try ConsoleSessionsController.refusal(error)
            let change = PolicyChange(from: current.policy, to: current.policy)
            return previewPage(
                session, change: change, patch: patch, version: version, problem: refusal.detail, status: refusal.status
            )
        }
    }

    /// Only a global admin changes the policy, as in the API.
    private func authorizeChange(_ session: ConsoleSession) throws {
        try ConsoleGate.authorize(session, [.admin], to: "change the policy")
        if session.operator.identity.site != nil {
            throw APIError.forbidden("only a global admin may change the policy")
        }
    }

    private func editorPage(
        _ session: ConsoleSession, place: PolicyPlace, problem: APIError?, notice: String?,
        status: HTTPResponse.Status, typed: [String: String]? = nil
    ) async throws -> Response {
        let current = try await services.store.versionedPolicy()
        let changedBy = try await operatorName(current.updatedBy)
        let html = ConsolePages.policyEditor(
            ConsolePages.PolicyEditorFacts(
                current: current, changedBy: changedBy, place: place, typed: typed,
                problem: problem.map { ConsolePages.FieldProblem(detail: $0.detail, field: $0.field) }),
            person: gate.person(session), notice: notice)
        return PageResponse.html(html, status: status)
    }

    private func previewPage(
        _ session: ConsoleSession, change: PolicyChange, patch: JSONValue, version: Int, problem: String?,
        status: HTTPResponse.Status
    ) -> Response {
        let html = ConsolePages.policyPreview(
            change: change, patch: patch.compactText, version: version, person: gate.person(session),
            problem: problem, stepUp: !gate.isFreshlyProven(session), singleSignOn: singleSignOnLabel)
        return PageResponse.html(html, status: status)
    }

    /// Someone saved since `baseVersion`: their changes from the audit log, and this admin's patch on top of the
    /// policy now in force, to check and save again (or not).
    private func stalePage(_ session: ConsoleSession, yourPatch: JSONValue, baseVersion: Int) async throws -> Response {
        let current = try await services.store.versionedPolicy()
        let recent = try await services.store.searchAudit(
            AuditQuery(type: .policyChanged, limit: 20), visibleTo: session.operator.identity)
        var theirs: [ConsolePages.PolicySave] = []
        for event in recent.items {
            let data = try? JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
            guard case .object(let members)? = data, case .number(let number)? = members["version"],
                Int(number) > baseVersion
            else { continue }
            let who = try await operatorName(OperatorID(event.actor)) ?? event.actor
            theirs.append(
                ConsolePages.PolicySave(
                    version: Int(number), by: who, at: event.time, patch: members["patch"]?.compactText ?? "?"))
        }
        var yours: PolicyChange?
        var problem: String?
        do {
            yours = PolicyChange(from: current.policy, to: try current.policy.applying(mergePatch: yourPatch))
        } catch {
            problem = try ConsoleSessionsController.refusal(error).detail
        }
        let html = ConsolePages.policyStale(
            theirs: theirs, yours: yours, problem: problem, patch: yourPatch.compactText, version: current.version,
            person: gate.person(session), stepUp: !gate.isFreshlyProven(session), singleSignOn: singleSignOnLabel)
        return PageResponse.html(html, status: .preconditionFailed)
    }

    private var singleSignOnLabel: String? {
        gate.singleSignOnLabel
    }

    private func operatorName(_ id: OperatorID?) async throws -> String? {
        guard let id else { return nil }
        return try await services.store.operators().first { $0.identity.id == id }?.identity.name
    }
}

/// Where a settings form applies: the defaults, or one site (or `*`) and scenario (or `*`).
struct PolicyPlace: Equatable {
    var site: String?
    var scenario: String?

    init(site: String?, scenario: String?) {
        let site = site?.trimmingCharacters(in: .whitespaces)
        let scenario = scenario?.trimmingCharacters(in: .whitespaces)
        self.site = site?.isEmpty == false ? site : nil
        self.scenario = self.site == nil ? nil : (scenario?.isEmpty == false ? scenario : "*")
    }

    var isDefaults: Bool { site == nil }
}

/// Turns the policy page's forms into the proposed document (as JSON; the patch is its difference from the
/// current one). Only shapes are checked here; every rule is ``Policy/applying(mergePatch:)``'s.
enum PolicyForm {
    static func proposal(_ fields: [String: String], current: JSONValue) throws -> JSONValue {
        guard case .object(var document) = current else { return current }
        switch fields["form"] {
        case "settings":
            let place = PolicyPlace(site: fields["site"], scenario: fields["scenario"])
            let settings = try self.settings(fields, pathPrefix: place.isDefaults ? "defaults" : "overrides")
            if let site = place.site, let scenario = place.scenario {
                guard site == "*" || SiteName(site)?.value == site else {
                    throw APIError.invalidRequest("site must be a site name or *", field: "site")
                }
                guard scenario == "*" || Scenario(rawValue: scenario) != nil else {
                    throw APIError.invalidRequest(
                        "scenario must be deviceEnrollment, fido2Registration or *", field: "scenario")
                }
                var overrides = document["overrides"]?.objectMembers ?? [:]
                var bySite = overrides[site]?.objectMembers ?? [:]
                bySite[scenario] = settings.isEmpty ? nil : .object(settings)
                overrides[site] = bySite.isEmpty ? nil : .object(bySite)
                document["overrides"] = .object(overrides)
            } else {
                document["defaults"] = .object(settings)
            }
        case "general":
            document["paperPassesAllowed"] = flag(fields["paperPassesAllowed"])
            let roles = [Role.admin, .helpdesk, .auditor].filter { fields["consoleOnly.\($0.rawValue)"] != nil }
            document["consoleOnlyRoles"] = roles.isEmpty ? nil : .array(roles.map { .string($0.rawValue) })
            let subjects = (fields["privilegedSubjects"] ?? "").split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            document["privilegedSubjects"] = .array(subjects.map { .string($0) })
        case "document":
            do {
                let text = fields["document"] ?? ""
                if let duplicate = JSONDuplicateNames.firstDuplicate(in: Array(text.utf8)) {
                    throw APIError.invalidRequest("the document names \(duplicate) twice", field: "document")
                }
                return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.invalidRequest("the document is not valid JSON", field: "document")
            }
        default:
            throw APIError.invalidRequest("this form is incomplete; start again from the policy page", field: "form")
        }
        return .object(document.filter { $0.value != .null })
    }

    /// The settings a form names; an empty field is not set (inherited, in an override).
    static func settings(_ fields: [String: String], pathPrefix: String) throws -> [String: JSONValue] {
        var settings: [String: JSONValue] = [:]
        for field in PolicyGuide.settings {
            let raw = fields["s.\(field.key)"]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !raw.isEmpty else { continue }
            switch field.kind {
            case .number:
                guard let number = Int(raw) else {
                    throw APIError.invalidRequest("\(field.label) must be a whole number", field: field.key)
                }
                settings[field.key] = .number(Double(number))
            case .flag:
                settings[field.key] = flag(raw)
            case .proofingMethods:
                let methods = raw.split { $0 == "," || $0 == " " }.map { JSONValue.string(String($0)) }
                settings[field.key] = .array(methods)
            }
        }
        return settings
    }

    static func flag(_ raw: String?) -> JSONValue? {
        switch raw {
        case "yes": .bool(true)
        case "no": .bool(false)
        default: nil
        }
    }
}

extension JSONValue {
    var objectMembers: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }
}
