import COpenSSL
import Foundation
import TapCrypto

/// Builds X.509 certificates with exactly the fields and extensions a test needs, signed by OpenSSL.
public struct CertificateSpec {
    public var version = 3
    /// Subject attributes in order, as (short name, value), e.g. ("C", "SE").
    public var subject: [(String, String)]
    public var notBefore: Date = FixedTime.now.addingTimeInterval(-86_400 * 365)
    public var notAfter: Date = FixedTime.now.addingTimeInterval(86_400 * 365)
    /// Basic constraints: `nil` leaves the extension out.
    public var isCA: Bool?
    /// Extra extensions as (OID, critical, DER value).
    public var extensions: [(String, Bool, [UInt8])]
    public var serial = Int.random(in: 1...Int(Int32.max))

    public init(subject: [(String, String)], isCA: Bool? = false, extensions: [(String, Bool, [UInt8])] = []) {
        self.subject = subject
        self.isCA = isCA
        self.extensions = extensions
    }

    /// A certificate for `key`, signed by `issuer` (or self-signed when `issuer` is nil).
    public func issue(for key: TestKey, by issuer: (certificate: [UInt8], key: TestKey)? = nil) -> [UInt8] {
        let certificate = X509_new()!
        defer { X509_free(certificate) }
        precondition(X509_set_version(certificate, version - 1) == 1)
        precondition(ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial) == 1)
        _ = ASN1_TIME_set(X509_getm_notBefore(certificate), time_t(notBefore.timeIntervalSince1970))
        _ = ASN1_TIME_set(X509_getm_notAfter(certificate), time_t(notAfter.timeIntervalSince1970))
        let name = X509_get_subject_name(certificate)
        for (field, value) in subject {
            precondition(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, value, -1, -1, 0) == 1, "name \(field)")
        }
        if let issuer {
            let issuerCertificate = Self.parse(issuer.certificate)
            defer { X509_free(issuerCertificate) }
            precondition(X509_set_issuer_name(certificate, X509_get_subject_name(issuerCertificate)) == 1)
        } else {
            precondition(X509_set_issuer_name(certificate, name) == 1)
        }
        precondition(X509_set_pubkey(certificate, key.key) == 1)
        var all = extensions
        if let isCA { all.insert(("2.5.29.19", true, TestDER.sequence(isCA ? [TestDER.boolean(true)] : [])), at: 0) }
        for (oid, critical, value) in all {
            let object = OBJ_txt2obj(oid, 1)!
            defer { ASN1_OBJECT_free(object) }
            let data = ASN1_OCTET_STRING_new()!
            defer { ASN1_OCTET_STRING_free(data) }
            precondition(ASN1_OCTET_STRING_set(data, value, Int32(value.count)) == 1)
            let item = X509_EXTENSION_create_by_OBJ(nil, object, critical ? 1 : 0, data)!
            defer { X509_EXTENSION_free(item) }
            precondition(X509_add_ext(certificate, item, -1) == 1)
        }
        let signer = issuer?.key ?? key
        let digest: OpaquePointer? = signer.signatureAlgorithm == .ed25519 ? nil : EVP_sha256()
        precondition(X509_sign(certificate, signer.key, digest) > 0)
        return openSSLDER(certificate, i2d_X509)
    }

    private static func parse(_ der: [UInt8]) -> OpaquePointer {
        der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)!
        }
    }

    /// A CA certificate.
    public static func authority(_ commonName: String) -> CertificateSpec {
        CertificateSpec(subject: [("C", "SE"), ("O", "Test Vendor AB"), ("CN", commonName)], isCA: true)
    }
}

/// A test PKI: a root, an intermediate under it, and an unrelated attacker root, each generated once.
public enum TestPKI {
    public static let rootKey = TestKey.p256Other
    public static let root = CertificateSpec.authority("Test Attestation Root").issue(for: rootKey)
    public static let intermediateKey = TestKey.generate(.ecdsaP256SHA256)
    public static let intermediate = CertificateSpec.authority("Test Attestation Intermediate")
        .issue(for: intermediateKey, by: (root, rootKey))
    public static let attackerKey = TestKey.generate(.ecdsaP256SHA256)
    public static let attackerRoot = CertificateSpec.authority("Attacker Root").issue(for: attackerKey)

    public static var rootCertificate: Certificate { try! Certificate(derEncoded: root) }
    public static var intermediateCertificate: Certificate { try! Certificate(derEncoded: intermediate) }
}

/// The fixed verification time of the crypto tests: 2026-11-26T10:00:00Z, as TestClock starts.
public enum FixedTime {
    public static let now = Date(timeIntervalSince1970: 1_795_687_200)
}

/// A certificate revocation list signed by `issuer`, listing the serial numbers of `revoked`, valid from a day
/// before `thisUpdate` (the fixed test time by default) for `days`.
public func testRevocationList(
    issuer: (certificate: [UInt8], key: TestKey), revoked: [[UInt8]], thisUpdate: Date = FixedTime.now,
    days: Double = 30
) -> [UInt8] {
    let list = X509_CRL_new()!
    defer { X509_CRL_free(list) }
    let issuerCertificate = issuer.certificate.withUnsafeBufferPointer { buffer in
        var cursor = buffer.baseAddress
        return d2i_X509(nil, &cursor, buffer.count)!
    }
    defer { X509_free(issuerCertificate) }
    precondition(X509_CRL_set_version(list, 1) == 1)
    precondition(X509_CRL_set_issuer_name(list, X509_get_subject_name(issuerCertificate)) == 1)
    let from = ASN1_TIME_set(nil, time_t(thisUpdate.timeIntervalSince1970 - 86_400))!
    defer { ASN1_TIME_free(from) }
    let until = ASN1_TIME_set(nil, time_t(thisUpdate.timeIntervalSince1970 + days * 86_400))!
    defer { ASN1_TIME_free(until) }
    precondition(X509_CRL_set1_lastUpdate(list, from) == 1 && X509_CRL_set1_nextUpdate(list, until) == 1)
    for der in revoked {
        let certificate = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)!
        }
        defer { X509_free(certificate) }
        let entry = X509_REVOKED_new()!
        precondition(X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(certificate)) == 1)
        precondition(X509_REVOKED_set_revocationDate(entry, from) == 1)
        precondition(X509_CRL_add0_revoked(list, entry) == 1)
    }
    precondition(X509_CRL_sort(list) == 1)
    precondition(X509_CRL_sign(list, issuer.key.key, EVP_sha256()) > 0)
    return openSSLDER(list, i2d_X509_CRL)
}
