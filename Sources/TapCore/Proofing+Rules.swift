import Foundation

/// What is wrong with how a person was identified, against the policy.
public enum ProofingProblem: Error, Sendable, Equatable {
    /// Policy wants a proofing record and there is none.
    case required
    /// The method is not one the policy accepts here.
    case methodNotAccepted(Proofing.Method)
    /// The method needs a reference (document type and last digits, the attesting manager, the ticket).
    case referenceMissing(Proofing.Method)
    /// A field holds what looks like a whole ID number; we keep the last digits only.
    case looksLikeFullIDNumber(field: String)
}

extension Proofing {
    /// The longest run of digits a note may hold: enough for "last digits 4821", not for an ID number.
    public static let maximumDigitRun = 4

    /// Checks a proofing record (or its absence) against the effective policy.
    public static func check(_ proofing: Proofing?, required: Bool, accepted: [Method]) -> ProofingProblem? {
        guard let proofing else { return required ? .required : nil }
        guard accepted.contains(proofing.method) else { return .methodNotAccepted(proofing.method) }
        let needsReference: Set<Method> = [.inPerson, .managerAttested, .ticket, .callback]
        if needsReference.contains(proofing.method),
            (proofing.reference ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        {
            return .referenceMissing(proofing.method)
        }
        for (field, text) in [("proofing.reference", proofing.reference), ("proofing.checkedBy", proofing.checkedBy)] {
            if let text, longestDigitRun(text) > maximumDigitRun { return .looksLikeFullIDNumber(field: field) }
        }
        return nil
    }

    /// The longest run of digits, counting digits separated by single spaces, dashes or dots as one run
    /// ("1234 5678" is an 8-digit number written in groups).
    static func longestDigitRun(_ text: String) -> Int {
        var longest = 0, current = 0
        var previousWasSeparator = false
        for character in text {
            if character.isASCII, character.isNumber {
                current += 1
                longest = max(longest, current)
                previousWasSeparator = false
            } else if [" ", "-", "."].contains(character), current > 0, !previousWasSeparator {
                previousWasSeparator = true
            } else {
                current = 0
                previousWasSeparator = false
            }
        }
        return longest
    }
}
