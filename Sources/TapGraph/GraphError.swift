import Foundation

/// Why a Graph or token call failed. Texts are Graph's own code and message, or ours; never a secret, a
/// token, a pass or a request body.
public enum GraphError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Graph answered with an error status: Graph's `error.code` and `error.message` (cut to 300 characters).
    case refused(status: Int, code: String, message: String)
    /// The token endpoint refused the app's credentials: its `error` and the first line of `error_description`.
    case authentication(status: Int, code: String, message: String)
    /// Graph could not be reached, timed out or kept answering 5xx: the outcome of a write is unknown.
    case unavailable(String)
    /// Graph still throttled after the retries; try again after this many seconds.
    case throttled(retryAfterSeconds: Int)
    /// An answer could not be read.
    case malformedResponse(String)

    /// Graph certainly did not act on the request (so a create made nothing).
    public var requestWasRefused: Bool {
        switch self {
        case .refused(let status, _, _): status != 408 && (400..<500).contains(status)
        case .authentication, .throttled: true
        case .unavailable, .malformedResponse: false
        }
    }

    /// The HTTP status Graph gave, if it answered.
    public var status: Int? {
        switch self {
        case .refused(let status, _, _), .authentication(let status, _, _): status
        case .throttled: 429
        case .unavailable, .malformedResponse: nil
        }
    }

    public var description: String {
        switch self {
        case .refused(let status, let code, let message): "Graph answered \(status) \(code): \(message)"
        case .authentication(let status, let code, let message):
            "the token endpoint answered \(status) \(code): \(message)"
        case .unavailable(let reason): "Graph is unavailable: \(reason)"
        case .throttled(let seconds): "Graph is throttling requests; retry after \(seconds) s"
        case .malformedResponse(let what): "Graph's answer could not be read: \(what)"
        }
    }
}

/// Why the Entra pass authority refused a request, beyond Graph's own errors.
public enum EntraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The user already holds a Temporary Access Pass and the operator did not ask to replace it.
    case temporaryAccessPassExists
    /// Graph refused to create the pass; its code and message, safe to show.
    case graphRefused(status: Int, code: String, message: String)
    /// Graph could not be reached or kept failing; nothing usable was created (or it is being deleted).
    case graphUnavailable(String)
    /// The session was closed while Entra created its pass; that pass is being deleted.
    case closedWhileProvisioning
    /// An earlier row of the same batch makes a pass for this user, and Entra holds one pass per user.
    case userTwiceInBatch

    public var description: String {
        switch self {
        case .temporaryAccessPassExists:
            "the user already has an Entra Temporary Access Pass; send replaceExisting: true to replace it"
        case .graphRefused(let status, let code, let message): "Microsoft Graph refused (\(status) \(code)): \(message)"
        case .graphUnavailable(let reason): "Microsoft Graph is unavailable: \(reason)"
        case .closedWhileProvisioning: "the session was closed while Entra created its pass; that pass is being deleted"
        case .userTwiceInBatch:
            "an earlier row of this batch makes this user's Entra Temporary Access Pass; Entra holds one per user"
        }
    }
}
