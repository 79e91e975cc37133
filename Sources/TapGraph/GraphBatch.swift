import Foundation
import NIOHTTP1
import TapCore

/// One request inside a Graph JSON batch (`POST /v1.0/$batch`): its URL is relative to the version root.
public struct GraphBatchRequest: Sendable, Equatable {
    public var method: String
    /// `/users/…/authentication/temporaryAccessPassMethods`, without `/v1.0`.
    public var url: String
    /// A JSON object, sent with `Content-Type: application/json`.
    public var body: Data?

    /// Makes a sub-request.
    public init(method: String, url: String, body: Data? = nil) {
        self.method = method
        self.url = url
        self.body = body
    }

    /// Whether sending it twice does no harm (everything but the create).
    var isIdempotent: Bool { method != "POST" }
}

/// One sub-request's answer, read on its own: Graph answers the batch 200 whatever each request did.
public struct GraphBatchAnswer: Sendable, Equatable {
    public var status: Int
    /// The answer's JSON body, re-serialized (empty when it had none).
    public var body: Data
}

extension GraphClient {
    /// Graph takes at most this many requests in one batch.
    public static let batchLimit = 20
    /// At most this many batch calls are in flight at once.
    static let batchConcurrency = 4

    /// Sends `requests` in JSON batches of up to 20 and answers each on its own, in order. A sub-request Graph
    /// throttled is sent again after its own `Retry-After`, within the client's attempts; a sub-response that
    /// is missing or unreadable, or a batch call that failed as a whole, is that request's failure
    /// (`unavailable` or `malformedResponse`: for a create, an unknown outcome).
    public func batch(_ requests: [GraphBatchRequest]) async -> [Result<GraphBatchAnswer, GraphError>] {
        let chunks = stride(from: 0, to: requests.count, by: Self.batchLimit).map {
            Array($0..<min($0 + Self.batchLimit, requests.count))
        }
        let transport = self.transport
        let answered = await concurrently(chunks, limit: Self.batchConcurrency) { indices in
            await transport.batchWithRetries(indices.map { ($0, requests[$0]) })
        }
        var answers = [Result<GraphBatchAnswer, GraphError>?](repeating: nil, count: requests.count)
        for (index, result) in answered.joined() { answers[index] = result }
        return answers.map { $0 ?? .failure(.malformedResponse("batch answer missing")) }
    }
}

extension GraphTransport {
    /// One chunk (at most 20), with its throttled sub-requests sent again until they answer or the attempts
    /// run out.
    func batchWithRetries(
        _ pending: [(Int, GraphBatchRequest)]
    ) async -> [(Int, Result<GraphBatchAnswer, GraphError>)] {
        var results: [(Int, Result<GraphBatchAnswer, GraphError>)] = []
        var pending = pending
        var attempt = 0
        while !pending.isEmpty {
            attempt += 1
            let round = await batchOnce(pending)
            var throttled: [(Int, GraphBatchRequest)] = []
            var wait = 0
            for (offset, (index, request)) in pending.enumerated() {
                switch round[offset] {
                case .success(let raw) where raw.answer.status == 429:
                    throttled.append((index, request))
                    wait = max(wait, raw.retryAfter ?? Int(Self.backoff(attempt: attempt).components.seconds))
                case .success(let raw): results.append((index, Self.result(of: raw)))
                case .failure(let error): results.append((index, .failure(error)))
                }
            }
            guard !throttled.isEmpty else { break }
            guard attempt < configuration.maximumAttempts, .seconds(wait) <= configuration.maximumRetryAfter else {
                results += throttled.map { ($0.0, .failure(.throttled(retryAfterSeconds: wait))) }
                break
            }
            logger.debug(
                "graph.batch.throttled",
                metadata: ["graph.requests": "\(throttled.count)", "graph.retryAfter": "\(wait)"])
            do {
                try await sleep(.seconds(wait))
            } catch {
                results += throttled.map { ($0.0, .failure(.unavailable("cancelled"))) }
                break
            }
            pending = throttled
        }
        return results
    }

    /// One `$batch` call: each sub-request's raw answer (429 included), in the order of `pending`.
    private func batchOnce(_ pending: [(Int, GraphBatchRequest)]) async -> [Result<RawBatchAnswer, GraphError>] {
        let data: Data
        do {
            let body = try Self.batchBody(pending.enumerated().map { (String($0.offset + 1), $0.element.1) })
            data = try await send(
                .POST, path: "/v1.0/$batch", body: body, idempotent: pending.allSatisfy { $0.1.isIdempotent },
                expecting: [.ok])
        } catch let error as GraphError {
            return pending.map { _ in .failure(error) }
        } catch {
            return pending.map { _ in .failure(.unavailable(Self.transportReason(error))) }
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let responses = object["responses"] as? [[String: Any]]
        else {
            return pending.map { _ in .failure(.malformedResponse("batch answer without responses")) }
        }
        var byID: [String: RawBatchAnswer] = [:]
        for response in responses {
            guard let id = response["id"] as? String, let status = response["status"] as? Int,
                (100..<600).contains(status)
            else { continue }
            let headers = (response["headers"] as? [String: Any]) ?? [:]
            let retryAfter = headers.first { $0.key.caseInsensitiveCompare("Retry-After") == .orderedSame }
                .flatMap { ($0.value as? String).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
            var body = Data()
            if let value = response["body"], !(value is NSNull), JSONSerialization.isValidJSONObject(value) {
                body = (try? JSONSerialization.data(withJSONObject: value)) ?? Data()
            }
            byID[id] = RawBatchAnswer(answer: GraphBatchAnswer(status: status, body: body), retryAfter: retryAfter)
        }
        return pending.indices.map { offset in
            byID[String(offset + 1)].map { .success($0) }
                ?? .failure(.malformedResponse("batch answer without response \(offset + 1)"))
        }
    }

    /// The JSON of a `$batch` call.
    static func batchBody(_ requests: [(id: String, request: GraphBatchRequest)]) throws -> Data {
        let items: [[String: Any]] = try requests.map { id, request in
            var item: [String: Any] = ["id": id, "method": request.method, "url": request.url]
            if let body = request.body {
                item["body"] = try JSONSerialization.jsonObject(with: body)
                item["headers"] = ["Content-Type": "application/json"]
            }
            return item
        }
        return try JSONSerialization.data(withJSONObject: ["requests": items])
    }

    /// A sub-request's answer as success or Graph's refusal, as a single call would have answered.
    static func result(of raw: RawBatchAnswer) -> Result<GraphBatchAnswer, GraphError> {
        let status = raw.answer.status
        if (200..<300).contains(status) { return .success(raw.answer) }
        return .failure(failure(status: status, body: raw.answer.body))
    }
}

/// A sub-response as it came, before 429s are retried.
struct RawBatchAnswer {
    var answer: GraphBatchAnswer
    var retryAfter: Int?
}

// The calls the bench and the watcher make for many sessions at once, each a JSON batch of the single call.
// A listing in a batch answers its first page only: a user holds one Temporary Access Pass and a few keys,
// and a serial number names a few devices.
extension GraphClient {
    static let devicePropertyList =
        "id,serialNumber,enrolledDateTime,complianceState,deviceEnrollmentType,deviceRegistrationState,azureADDeviceId,userPrincipalName,lastSyncDateTime"

    /// A user's Temporary Access Passes, or one of them, relative to the version root.
    static func relativeTapPath(_ user: UserPrincipalName, method id: String? = nil) -> String {
        let passes = "/users/\(GraphEncoding.pathSegment(user.value))/authentication/temporaryAccessPassMethods"
        return id.map { passes + "/" + GraphEncoding.pathSegment($0) } ?? passes
    }

    /// Each user's Temporary Access Passes.
    public func temporaryAccessPasses(
        of users: [UserPrincipalName]
    ) async -> [Result<[TemporaryAccessPassMethod], GraphError>] {
        await batch(users.map { GraphBatchRequest(method: "GET", url: Self.relativeTapPath($0)) }).map {
            $0.flatMap { Self.decoded(GraphCollection<TemporaryAccessPassMethod>.self, $0).map(\.value) }
        }
    }

    /// Creates Temporary Access Passes, one per request; each answer holds its value or why there is none.
    public func createTemporaryAccessPasses(
        _ creates: [(user: UserPrincipalName, request: TemporaryAccessPassRequest)]
    ) async -> [Result<TemporaryAccessPassMethod, GraphError>] {
        let requests: [GraphBatchRequest]
        do {
            requests = try creates.map {
                GraphBatchRequest(
                    method: "POST", url: Self.relativeTapPath($0.user), body: try GraphJSON.encoder().encode($0.request)
                )
            }
        } catch {
            return creates.map { _ in .failure(.malformedResponse("request not encodable")) }
        }
        return await batch(requests).map { $0.flatMap { Self.decoded(TemporaryAccessPassMethod.self, $0) } }
    }

    /// Deletes Temporary Access Passes: `true` for each Graph deleted, `false` for each already gone.
    public func deleteTemporaryAccessPasses(
        _ deletes: [(user: UserPrincipalName, id: String)]
    ) async -> [Result<Bool, GraphError>] {
        await batch(
            deletes.map {
                GraphBatchRequest(method: "DELETE", url: Self.relativeTapPath($0.user, method: $0.id))
            }
        ).map { result in
            switch result {
            case .success: .success(true)
            case .failure(.refused(404, _, _)): .success(false)
            case .failure(let error): .failure(error)
            }
        }
    }

    /// One Temporary Access Pass per lookup; `nil` where it is gone.
    public func temporaryAccessPasses(
        _ lookups: [(user: UserPrincipalName, id: String)]
    ) async -> [Result<TemporaryAccessPassMethod?, GraphError>] {
        await batch(
            lookups.map {
                GraphBatchRequest(method: "GET", url: Self.relativeTapPath($0.user, method: $0.id))
            }
        ).map { result in
            switch result {
            case .success(let answer): Self.decoded(TemporaryAccessPassMethod.self, answer).map { $0 }
            case .failure(.refused(404, _, _)): .success(nil)
            case .failure(let error): .failure(error)
            }
        }
    }

    /// Intune's records for each serial number. A serial with more records than one page follows its next
    /// links with single calls.
    public func managedDevices(serialNumbers: [SerialNumber]) async -> [Result<[ManagedDevice], GraphError>] {
        let firstPages = await batch(
            serialNumbers.map { serial in
                let filter = GraphEncoding.queryValue(GraphEncoding.equalsFilter("serialNumber", serial.value))
                return GraphBatchRequest(
                    method: "GET",
                    url: "/deviceManagement/managedDevices?$filter=\(filter)&$select=\(Self.devicePropertyList)")
            })
        var results: [Result<[ManagedDevice], GraphError>] = []
        for page in firstPages {
            switch page.flatMap({ Self.decoded(GraphCollection<ManagedDevice>.self, $0) }) {
            case .failure(let error): results.append(.failure(error))
            case .success(let collection):
                guard let next = collection.nextLink else {
                    results.append(.success(collection.value))
                    continue
                }
                guard next.hasPrefix(GraphConfiguration.trimmed(transport.configuration.graphHost) + "/") else {
                    results.append(.success(collection.value))
                    continue
                }
                do {
                    let rest = try await transport.list(
                        ManagedDevice.self, from: next, pages: GraphTransport.maximumPages - 1)
                    results.append(.success(collection.value + rest))
                } catch let error as GraphError {
                    results.append(.failure(error))
                } catch {
                    results.append(.failure(.unavailable(GraphTransport.transportReason(error))))
                }
            }
        }
        return results
    }

    /// Each user's FIDO2 security keys.
    public func fido2Methods(of users: [UserPrincipalName]) async -> [Result<[Fido2Method], GraphError>] {
        await batch(
            users.map {
                GraphBatchRequest(
                    method: "GET", url: "/users/\(GraphEncoding.pathSegment($0.value))/authentication/fido2Methods")
            }
        ).map { $0.flatMap { Self.decoded(GraphCollection<Fido2Method>.self, $0).map(\.value) } }
    }

    static func decoded<T: Decodable>(_: T.Type, _ answer: GraphBatchAnswer) -> Result<T, GraphError> {
        GraphJSON.decoded(T.self, from: answer.body)
    }
}
