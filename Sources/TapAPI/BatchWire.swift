import Foundation
import TapCore

/// `POST /v1/sessions/batch`: up to 500 rows, each shaped like `POST /v1/sessions`.
public struct CreateSessionBatchRequest: Codable, Sendable, Equatable {
    public var sessions: [CreateSessionRequest]

    /// Makes a batch.
    public init(sessions: [CreateSessionRequest]) {
        self.sessions = sessions
    }
}

/// The 207 answer of a batch: one item per row, in the order of the request.
public struct SessionBatchResponse: Codable, Sendable, Equatable {
    public var items: [SessionBatchItem]

    /// Makes an answer.
    public init(items: [SessionBatchItem]) {
        self.items = items
    }
}

/// What became of one row: `status` is what a single create would have answered (201, or the refusal's),
/// with the session (its pass value only in the first answer) or the problem.
public struct SessionBatchItem: Codable, Sendable, Equatable {
    public var index: Int
    public var status: Int
    public var session: SessionView?
    public var problem: Problem?

    /// Makes an item.
    public init(index: Int, status: Int, session: SessionView? = nil, problem: Problem? = nil) {
        self.index = index
        self.status = status
        self.session = session
        self.problem = problem
    }
}
