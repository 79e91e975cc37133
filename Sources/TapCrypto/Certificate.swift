import COpenSSL
import Foundation

/// An X.509 certificate parsed by OpenSSL from DER, with the fields attestation verification reads.
public struct Certificate: Sendable, Hashable {
    /// The certificate exactly as received.
    public let derEncoded: [UInt8]
    let storage: X509Storage

    /// One extension: its OID, criticality and the DER inside its OCTET STRING.
    public struct Extension: Sendable, Equatable {
        public let oid: String
        public let isCritical: Bool
        public let value: [UInt8]
    }

    /// Parses one DER certificate, which must fill `der` exactly and have well-formed standard extensions
    /// (OpenSSL flags duplicate or undecodable extensions as invalid).
    public init(derEncoded der: [UInt8]) throws(CertificateError) {
        guard let parsed = OpenSSLDecoding.whole(der, decode: { d2i_X509(nil, $0, $1) }, free: X509_free) else {
            throw .malformed("not a single DER certificate")
        }
        storage = X509Storage(parsed)
        derEncoded = der
        // Computing the flags caches the decoded extensions, so later reads from several threads only read.
        guard X509_get_extension_flags(parsed) & UInt32(EXFLAG_INVALID) == 0 else {
            ERR_clear_error()
            throw .malformed("invalid or duplicate extensions")
        }
        var seen = Set<String>()
        for item in extensions where !seen.insert(item.oid).inserted {
            throw .malformed("extension \(item.oid) appears twice")
        }
    }

    /// Every certificate in a PEM bundle, in order.
    public static func parsePEMBundle(_ text: String) throws(CertificateError) -> [Certificate] {
        var certificates: [Certificate] = []
        for der in try OpenSSLDecoding.pemBlocks("CERTIFICATE", in: text) {
            certificates.append(try Certificate(derEncoded: der))
        }
        guard !certificates.isEmpty else { throw .malformed("no PEM certificate found") }
        return certificates
    }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.derEncoded == rhs.derEncoded }
    public func hash(into hasher: inout Hasher) { hasher.combine(derEncoded) }

    /// The X.509 version as written in certificates (1, 2 or 3).
    public var version: Int { Int(X509_get_version(storage.certificate)) + 1 }

    /// SHA-256 of the DER, as shown by `openssl x509 -fingerprint -sha256`.
    public var sha256Fingerprint: [UInt8] { HashFunction.sha256.hash(derEncoded) }

    /// The subject public key.
    public var publicKey: PublicKey {
        get throws(CertificateError) {
            guard let key = X509_get_pubkey(storage.certificate) else {
                ERR_clear_error()
                throw .malformed("public key cannot be decoded")
            }
            return PublicKey(owning: key)
        }
    }

    /// The subject's attributes in order, as (OID, UTF-8 value).
    public var subjectAttributes: [(oid: String, value: String)] {
        Self.attributes(of: X509_get_subject_name(storage.certificate))
    }

    /// The issuer's attributes in order, as (OID, UTF-8 value).
    public var issuerAttributes: [(oid: String, value: String)] {
        Self.attributes(of: X509_get_issuer_name(storage.certificate))
    }

    /// The values of one subject attribute type, e.g. `2.5.4.11` for OU.
    public func subjectValues(_ oid: String) -> [String] { subjectAttributes.filter { $0.oid == oid }.map(\.value) }

    /// A one-line readable subject for messages.
    public var subjectSummary: String {
        subjectAttributes.map { "\(NameAttribute.shortName[$0.oid] ?? $0.oid)=\($0.value)" }.joined(separator: ", ")
    }

    /// Start of the validity period.
    public var notBefore: Date? { Self.date(X509_get0_notBefore(storage.certificate)) }
    /// End of the validity period.
    public var notAfter: Date? { Self.date(X509_get0_notAfter(storage.certificate)) }

    /// Where `date` falls relative to the validity period.
    public func validity(at date: Date) -> Validity {
        guard let start = notBefore, let end = notAfter else { return .expired }
        if date < start { return .notYetValid }
        if date > end { return .expired }
        return .valid
    }

    /// Whether `date` is inside the validity period.
    public enum Validity: Sendable, Equatable { case valid, notYetValid, expired }

    /// Every extension, in order.
    public var extensions: [Extension] {
        let certificate = storage.certificate
        return (0..<X509_get_ext_count(certificate)).compactMap { index in
            guard let item = X509_get_ext(certificate, index), let data = X509_EXTENSION_get_data(item) else {
                return nil
            }
            return Extension(
                oid: Self.dottedOID(X509_EXTENSION_get_object(item)),
                isCritical: X509_EXTENSION_get_critical(item) == 1,
                value: Self.bytes(of: data)
            )
        }
    }

    /// The extension with `oid`, if present.
    public func `extension`(_ oid: String) -> Extension? { extensions.first { $0.oid == oid } }

    /// Basic constraints, or `nil` when the extension is absent.
    public var basicConstraints: BasicConstraints? {
        get throws(CertificateError) {
            guard let item = self.extension("2.5.29.19") else { return nil }
            do {
                let fields = try DERReader.readSingle(item.value).children()
                var isAuthority = false
                var pathLength: Int?
                var rest = fields[...]
                if let first = rest.first, first.isUniversal(DERElement.Universal.boolean) {
                    isAuthority = try first.boolean()
                    rest = rest.dropFirst()
                }
                if let next = rest.first {
                    pathLength = try next.smallInteger()
                    rest = rest.dropFirst()
                }
                guard rest.isEmpty else { throw DERError.trailingBytes }
                return BasicConstraints(isCertificateAuthority: isAuthority, pathLengthConstraint: pathLength)
            } catch {
                throw .malformed("basic constraints: \(error)")
            }
        }
    }

    /// The extended key usage OIDs, or `nil` when the extension is absent.
    public var extendedKeyUsage: [String]? {
        get throws(CertificateError) {
            guard let item = self.extension("2.5.29.37") else { return nil }
            do {
                return try DERReader.readSingle(item.value).children().map { element throws(DERError) in
                    try element.objectIdentifier()
                }
            } catch {
                throw .malformed("extended key usage: \(error)")
            }
        }
    }

    /// The attributes of every directoryName in the subject alternative name, by OID (string values only), or `nil`
    /// when the extension is absent. TPM attestation certificates name the TPM's manufacturer, model and version here.
    public var alternativeDirectoryNameAttributes: [String: String]? {
        get throws(CertificateError) {
            guard let item = self.extension("2.5.29.17") else { return nil }
            do {
                var attributes: [String: String] = [:]
                for name in try DERReader.readSingle(item.value).children()
                where name.tagClass == .contextSpecific && name.tagNumber == 4 && name.isConstructed {
                    let inner = try name.children()  // directoryName is [4] EXPLICIT Name
                    guard inner.count == 1 else { throw DERError.unexpected("directoryName holds more than one Name") }
                    for relativeName in try inner[0].children() {
                        for pair in try relativeName.children() {
                            let fields = try pair.children()
                            guard fields.count == 2 else { throw DERError.unexpected("attribute is not (type, value)") }
                            guard let value = String(validating: fields[1].content, as: UTF8.self) else {
                                throw DERError.unexpected("attribute value is not text")
                            }
                            attributes[try fields[0].objectIdentifier()] = value
                        }
                    }
                }
                return attributes
            } catch {
                throw .malformed("subject alternative name: \(error)")
            }
        }
    }

    /// Whether this certificate names itself as issuer and its signature verifies with its own key.
    public var isSelfSigned: Bool {
        let certificate = storage.certificate
        guard X509_check_issued(certificate, certificate) == X509_V_OK else { return false }
        defer { ERR_clear_error() }
        guard let key = X509_get0_pubkey(certificate) else { return false }
        return X509_verify(certificate, key) == 1
    }

    /// Whether `issuer` is named as this certificate's issuer and its key verifies this certificate's signature.
    public func isSigned(by issuer: Certificate) -> Bool {
        defer { ERR_clear_error() }
        guard X509_check_issued(issuer.storage.certificate, storage.certificate) == X509_V_OK,
            let key = X509_get0_pubkey(issuer.storage.certificate)
        else { return false }
        return X509_verify(storage.certificate, key) == 1
    }

    private static func attributes(of name: OpaquePointer?) -> [(oid: String, value: String)] {
        guard let name else { return [] }
        return (0..<X509_NAME_entry_count(name)).compactMap { index in
            guard let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else {
                return nil
            }
            var output: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&output, data)
            guard length >= 0, let output else {
                ERR_clear_error()
                return nil
            }
            defer { CRYPTO_free(output, #file, #line) }
            let value = String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
            return (dottedOID(X509_NAME_ENTRY_get_object(entry)), value)
        }
    }

    static func dottedOID(_ object: OpaquePointer?) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        guard length > 0, Int(length) < buffer.count else { return "" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func bytes(of string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(string))
        guard length > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

/// The basic constraints extension.
public struct BasicConstraints: Sendable, Equatable {
    public let isCertificateAuthority: Bool
    public let pathLengthConstraint: Int?
}

/// Short names for the distinguished-name attributes attestation certificates use.
public enum NameAttribute {
    public static let commonName = "2.5.4.3"
    public static let country = "2.5.4.6"
    public static let organization = "2.5.4.10"
    public static let organizationalUnit = "2.5.4.11"

    static let shortName = [commonName: "CN", country: "C", organization: "O", organizationalUnit: "OU"]
}

/// Why a certificate could not be used.
public enum CertificateError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let detail): "malformed certificate: \(detail)"
        }
    }
}

/// Owns one `X509` and frees it.
final class X509Storage: @unchecked Sendable {
    // Sendable by hand: the certificate is never mutated after parsing and its extension cache is filled in `init`.
    let certificate: OpaquePointer

    init(_ certificate: OpaquePointer) { self.certificate = certificate }

    deinit { X509_free(certificate) }
}
