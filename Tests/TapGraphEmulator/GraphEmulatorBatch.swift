import Foundation

// Graph's JSON batching (`POST /v1.0/$batch`): up to 20 requests in one call, each answered on its own with its
// own status, headers and body, in no promised order. Each inner request goes through the same handlers, faults
// and throttling as a single call; tests can also drop an inner answer or make it unreadable.
extension GraphEmulator {
    /// A scripted defect in a batch's answer for one inner request.
    public enum BatchGlitch: Sendable {
        /// The request is carried out but its answer is left out of the batch's answer.
        case missing
        /// The request is carried out and its answer's body is not JSON.
        case malformed
    }

    /// The next `count` inner requests of `route` in a batch are carried out and then answered with `glitch`.
    public func glitch(_ route: Route, _ glitch: BatchGlitch, count: Int = 1) {
        lock.withLock { glitches.append((route, glitch, count)) }
    }

    /// How many devices one page of Intune's listing holds (then `@odata.nextLink` leads on).
    public var devicePageSize: Int {
        get { lock.withLock { storedDevicePageSize } }
        set { lock.withLock { storedDevicePageSize = newValue } }
    }

    /// Graph's limit on the requests of one batch.
    static let batchLimit = 20

    func batch(authorization: String?, body: String) async throws -> Answer {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any],
            let requests = object["requests"] as? [[String: Any]], !requests.isEmpty
        else {
            return Self.graphError(400, "BadRequest", "Invalid batch payload.")
        }
        guard requests.count <= Self.batchLimit else {
            return Self.graphError(400, "BadRequest", "The number of requests in a batch exceeds 20.")
        }
        var identifiers = Set<String>()
        for entry in requests {
            guard let id = entry["id"] as? String, identifiers.insert(id).inserted, entry["method"] is String,
                let url = entry["url"] as? String, url.hasPrefix("/")
            else {
                return Self.graphError(
                    400, "BadRequest", "Each request needs a unique id, a method and a relative url.")
            }
        }
        var responses: [[String: Any]] = []
        var innerRoutes: [Route] = []
        for entry in requests {
            let id = entry["id"] as! String, method = entry["method"] as! String, url = entry["url"] as! String
            let innerBody =
                entry["body"].flatMap { try? JSONSerialization.data(withJSONObject: $0) }
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            let target = "/v1.0" + url
            let (path, query) = Self.split(target)
            let route = Self.route(method: method, segments: path)
            innerRoutes.append(route)
            let (fault, glitch) = lock.withLock { () -> (Fault?, BatchGlitch?) in
                seen.append(
                    Seen(method: method, target: target, route: route, at: now(), body: innerBody, batched: true))
                // `.any` faults are for whole calls: the batch call itself met them already.
                let hit = takeFault(for: route, orAny: false)
                // A request a fault answers is not also glitched: each scripted defect hits its own request.
                var glitch: BatchGlitch?
                if hit == nil, let index = glitches.firstIndex(where: { $0.route == route && $0.remaining > 0 }) {
                    glitches[index].remaining -= 1
                    glitch = glitches[index].glitch
                    if glitches[index].remaining == 0 { glitches.remove(at: index) }
                }
                return (hit, glitch)
            }
            let answer = try await self.answer(
                authorization: authorization, route: route, method: method, path: path, query: query,
                body: innerBody, fault: fault, isDown: false)
            switch glitch {
            case .missing: continue
            case .malformed:
                responses.append(["id": id, "status": answer.status, "body": "<html>upstream error</html>"])
            case nil:
                var response: [String: Any] = ["id": id, "status": answer.status, "headers": answer.headers]
                if let body = answer.object { response["body"] = body }
                responses.append(response)
            }
        }
        // A delay set for an inner route holds the whole batch's answer, after the work is done.
        let wait = lock.withLock { innerRoutes.compactMap { delays[$0] }.max() ?? .zero }
        if wait > .zero { try await Task.sleep(for: wait) }
        // Graph promises no order: answer backwards so that clients must match answers by id.
        return Self.json(200, ["responses": Array(responses.reversed())])
    }
}
