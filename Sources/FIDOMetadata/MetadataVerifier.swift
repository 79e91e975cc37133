import Foundation
import TapCrypto
import WebAuthn

import enum TapCore.UTCTime

/// Why a BLOB was refused. The previous metadata stays in force whatever the reason.
public struct MetadataRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case tooLarge = "too_large"
        case malformed
        case algorithmNotAllowed = "algorithm_not_allowed"
        case untrustedChain = "untrusted_chain"
        case certificateExpired = "certificate_expired"
        case certificateRevoked = "certificate_revoked"
        case badSignature = "bad_signature"
        case notNewer = "not_newer"
        case malformedEntry = "malformed_entry"
    }

    public var reason: Reason
    public var detail: String
    /// For `not_newer`: whether the BLOB is the one in force (the usual answer of a daily fetch), not an older one.
    public var isInForce = false

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// Checks a metadata BLOB as the FIDO Metadata Service specification says (§3.2): a JWS whose `x5c` chain ends
/// at one of `roots` at `now` with no certificate on a given revocation list, whose signature verifies under the
/// chain's leaf, whose `no` is greater than the last accepted, and whose every entry is well formed. Nothing in a
/// refused BLOB is used.
public enum MetadataVerifier {
    /// The real BLOB is some 5 MB; a file far larger is not one.
    public static let maximumBytes = 64 << 20
    /// At most this many certificates in `x5c`.
    static let maximumChainLength = 8

    public static func verify(
        _ bytes: [UInt8], roots: [Certificate], revocations: [RevocationList] = [], lastNumber: Int?, now: Date
    ) throws(MetadataRefusal) -> MetadataBLOB {
        guard bytes.count <= maximumBytes else {
            throw MetadataRefusal(reason: .tooLarge, detail: "\(bytes.count) bytes; a BLOB is at most \(maximumBytes)")
        }
        var text = bytes[...]
        while let last = text.last, last == 0x0A || last == 0x0D || last == 0x20 { text = text.dropLast() }
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(decoding: parts[0], as: UTF8.self)),
            let payloadBytes = Base64URL.decode(String(decoding: parts[1], as: UTF8.self)),
            let signature = Base64URL.decode(String(decoding: parts[2], as: UTF8.self)),
            let header = try? StrictJSON.parse(headerBytes), header.objectValue != nil
        else { throw MetadataRefusal(reason: .malformed, detail: "not a JWS of three base64url parts (truncated?)") }

        guard let algorithm = header["alg"]?.stringValue, JWSSignature.algorithm(named: algorithm) != nil else {
            throw MetadataRefusal(
                reason: .algorithmNotAllowed, detail: "alg \(header["alg"]?.stringValue ?? "missing") is not accepted")
        }
        let chain = try certificates(header["x5c"])
        switch CertificateChain.verify(
            leaf: chain[0], intermediates: Array(chain.dropFirst()), anchors: roots, at: now, revocations: revocations)
        {
        case .trusted: break
        case .expired(let what), .notYetValid(let what):
            throw MetadataRefusal(reason: .certificateExpired, detail: what)
        case .revoked(let what):
            throw MetadataRefusal(reason: .certificateRevoked, detail: what)
        case .noPathToAnchor(let what), .invalid(let what):
            throw MetadataRefusal(reason: .untrustedChain, detail: what)
        }
        let signingInput = Array(parts[0]) + [UInt8(ascii: ".")] + Array(parts[1])
        guard let key = try? chain[0].publicKey,
            JWSSignature.isValid(signature, over: signingInput, algorithm: algorithm, key: key)
        else { throw MetadataRefusal(reason: .badSignature, detail: "the signature does not verify under x5c's leaf") }

        return try read(payloadBytes, lastNumber: lastNumber)
    }

    /// The models of a BLOB this process verified before and the store kept (its signature and chain were
    /// checked at import, against the time then): only its payload is read again.
    public static func readAccepted(_ bytes: [UInt8]) throws(MetadataRefusal) -> MetadataBLOB {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, let payloadBytes = Base64URL.decode(String(decoding: parts[1], as: UTF8.self)) else {
            throw MetadataRefusal(reason: .malformed, detail: "the stored BLOB is not a JWS")
        }
        return try read(payloadBytes, lastNumber: nil)
    }

    /// The payload's number, next update and entries.
    private static func read(_ payloadBytes: [UInt8], lastNumber: Int?) throws(MetadataRefusal) -> MetadataBLOB {
        let payload: JSONValue
        do {
            payload = try StrictJSON.parse(payloadBytes, maximumDepth: 32)
        } catch {
            throw MetadataRefusal(reason: .malformed, detail: "the payload is not strict JSON: \(error)")
        }
        guard case .number(let no)? = payload["no"], no == no.rounded(), no >= 0, no < 1e15 else {
            throw MetadataRefusal(reason: .malformed, detail: "no is missing or not a whole number")
        }
        if let lastNumber, Int(no) <= lastNumber {
            throw MetadataRefusal(
                reason: .notNewer, detail: "no \(Int(no)) is not greater than \(lastNumber), the last accepted",
                isInForce: Int(no) == lastNumber)
        }
        guard let nextUpdate = payload["nextUpdate"]?.stringValue.flatMap(day) else {
            throw MetadataRefusal(reason: .malformed, detail: "nextUpdate is missing or not a date (YYYY-MM-DD)")
        }
        guard let items = payload["entries"]?.arrayValue else {
            throw MetadataRefusal(reason: .malformed, detail: "entries is missing or not an array")
        }
        var entries: [MetadataEntry] = []
        entries.reserveCapacity(items.count)
        // A vendor's root stands in each of its models' entries: each distinct one is parsed once.
        var parsedRoots: [String: Certificate] = [:]
        for (index, item) in items.enumerated() {
            do {
                entries.append(try entry(item, parsedRoots: &parsedRoots))
            } catch {
                throw MetadataRefusal(reason: .malformedEntry, detail: "entry \(index): \(error.detail)")
            }
        }
        return MetadataBLOB(
            number: Int(no), nextUpdate: nextUpdate, legalHeader: payload["legalHeader"]?.stringValue, entries: entries)
    }

    /// `x5c`: standard base64 DER, leaf first.
    private static func certificates(_ value: JSONValue?) throws(MetadataRefusal) -> [Certificate] {
        guard let items = value?.arrayValue, (1...maximumChainLength).contains(items.count) else {
            throw MetadataRefusal(reason: .untrustedChain, detail: "x5c is missing, empty or too long")
        }
        var chain: [Certificate] = []
        for item in items {
            guard let text = item.stringValue, let der = Data(base64Encoded: text),
                let certificate = try? Certificate(derEncoded: Array(der))
            else {
                throw MetadataRefusal(reason: .untrustedChain, detail: "x5c holds something that is not a certificate")
            }
            chain.append(certificate)
        }
        return chain
    }

    private struct EntryProblem: Error {
        var detail: String
    }

    private static func entry(
        _ item: JSONValue, parsedRoots: inout [String: Certificate]
    ) throws(EntryProblem) -> MetadataEntry {
        guard item.objectValue != nil else { throw EntryProblem(detail: "not an object") }
        var aaguid: String?
        if let value = item["aaguid"] {
            guard let text = value.stringValue, let uuid = UUID(uuidString: text), text.count == 36 else {
                throw EntryProblem(detail: "aaguid is not a UUID")
            }
            aaguid = uuid.uuidString.lowercased()
        }
        guard let statement = item["metadataStatement"], statement.objectValue != nil else {
            throw EntryProblem(detail: "metadataStatement is missing")
        }
        guard let description = statement["description"]?.stringValue, !description.isEmpty else {
            throw EntryProblem(detail: "metadataStatement.description is missing")
        }
        var roots: [Certificate] = []
        for root in statement["attestationRootCertificates"]?.arrayValue ?? [] {
            guard let text = root.stringValue else {
                throw EntryProblem(detail: "an attestationRootCertificates item is not a certificate")
            }
            if let known = parsedRoots[text] {
                roots.append(known)
                continue
            }
            guard let der = Data(base64Encoded: text), let certificate = try? Certificate(derEncoded: Array(der)) else {
                throw EntryProblem(detail: "an attestationRootCertificates item is not a certificate")
            }
            parsedRoots[text] = certificate
            roots.append(certificate)
        }
        guard let reports = item["statusReports"]?.arrayValue, !reports.isEmpty else {
            throw EntryProblem(detail: "statusReports is missing or empty")
        }
        var statusReports: [StatusReport] = []
        for report in reports {
            guard let status = report["status"]?.stringValue, !status.isEmpty else {
                throw EntryProblem(detail: "a status report has no status")
            }
            var effective: Date?
            if let value = report["effectiveDate"] {
                guard let date = value.stringValue.flatMap(day) else {
                    throw EntryProblem(detail: "a status report's effectiveDate is not a date")
                }
                effective = date
            }
            statusReports.append(StatusReport(status: AuthenticatorStatus(rawValue: status), effectiveDate: effective))
        }
        var changed: Date?
        if let value = item["timeOfLastStatusChange"] {
            guard let date = value.stringValue.flatMap(day) else {
                throw EntryProblem(detail: "timeOfLastStatusChange is not a date")
            }
            changed = date
        }
        return MetadataEntry(
            aaguid: aaguid, description: description, attestationRoots: roots, statusReports: statusReports,
            timeOfLastStatusChange: changed)
    }

    /// A `YYYY-MM-DD` day at 00:00 UTC; `nil` for anything else, a day a month does not have included.
    static func day(_ text: String) -> Date? {
        guard text.utf8.count == 10, let date = UTCTime.parse(text + " 00:00:00"),
            UTCTime.rfc3339(date).hasPrefix(text)
        else { return nil }
        return date
    }
}
