import Foundation

/// Why a use case refused to do what it was asked. HTTP maps each case to one status and stable code.
public enum EnrollmentError: Error, Sendable, Equatable {
    /// No such thing, or not visible to the caller.
    case notFound(String)
    /// The session's state does not allow the action.
    case invalidStateTransition(from: SessionState, action: String)
    /// The request is well formed but clashes with what exists.
    case conflict(String)
    /// A field is wrong in a way the grammar could not catch.
    case invalidRequest(field: String, reason: String)
    /// Outside the policy; names the bound.
    case policy(PolicyViolation)
    /// The operator may not mint for this user.
    case subjectNotAllowed(String)
    /// The operator may not do this at all.
    case forbidden(String)
    /// The idempotency key was used before with another request.
    case idempotencyMismatch
    /// A token in its rotation grace period asked for a rotation: only an operator's newest token may rotate,
    /// or the old token could replace the new one and cut its holder off.
    case newerTokenExists
    /// The proofing record is missing or not acceptable.
    case proofing(ProofingProblem)
    /// The user is locked out of issuance until then.
    case issuanceLocked(until: Date)
    /// A cap on passes minted is reached; names the cap.
    case issuanceCapReached(cap: String, limit: Int)
    /// The session waits for a second operator.
    case approvalRequired
    /// A session issued under four-eyes asks for another pass, or its approval was not collected in time: an
    /// approval covers one collection within the approval timeout, so a new pass needs a new request.
    case approvalSpent(ApprovalSpent)
    /// The approver is the person who asked.
    case selfApproval
    /// The approver's and the requester's tokens are one operator's doing (one created the other, or one
    /// operator created both within the approval window), so they are not two people for four-eyes.
    case tiedApproval
    /// Approvals must be made with a person's token (one with a user principal name).
    case approverNotAPerson
    /// Only the operator who asked may collect an approved pass.
    case notTheRequester
    /// A WebAuthn ceremony step that needs storage refused; `reason` is the verifier's stable reason
    /// (`challenge_replayed`, `credential_already_registered`, …), reported as `webauthn_<reason>`.
    case webAuthn(reason: String, detail: String)
    /// The policy changed since the version the caller read (another admin saved first); nothing was saved.
    case policyChanged(currentVersion: Int)
}

/// Why an approval no longer covers a pass.
public enum ApprovalSpent: String, Sendable, Equatable {
    /// Its one pass was collected; another pass would need another approval.
    case collected
    /// It was not collected within the approval timeout after the decision.
    case lapsed
}
