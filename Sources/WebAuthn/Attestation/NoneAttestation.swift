/// `none` (§8.7): no statement at all, so nothing is proven about the authenticator.
enum NoneAttestation {
    static func verify(_ input: AttestationInput) throws(WebAuthnFailure) -> StatementResult {
        guard input.statement.entries.isEmpty else {
            throw WebAuthnFailure(.attestationStatementMalformed, "none: attStmt must be an empty map")
        }
        return StatementResult(type: .none, certificates: [])
    }
}
