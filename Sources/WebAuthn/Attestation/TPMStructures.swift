import TapCrypto

/// Big-endian reader for TPM 2.0 structures, refusing to read past the end.
struct TPMReader {
    let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func take(_ count: Int) throws(WebAuthnFailure) -> [UInt8] {
        guard count <= bytes.count - position else {
            throw WebAuthnFailure(.tpmStructureInvalid, "tpm: structure ends early")
        }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func uint16() throws(WebAuthnFailure) -> UInt16 { try take(2).reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func uint32() throws(WebAuthnFailure) -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    /// A TPM2B: 2-byte size, then that many bytes.
    mutating func sized() throws(WebAuthnFailure) -> [UInt8] { try take(Int(try uint16())) }
}

/// TPM algorithm and structure constants (TPM 2.0 Part 2).
enum TPMConstant {
    static let algorithmRSA: UInt16 = 0x0001
    static let algorithmSHA1: UInt16 = 0x0004
    static let algorithmSHA256: UInt16 = 0x000B
    static let algorithmSHA384: UInt16 = 0x000C
    static let algorithmSHA512: UInt16 = 0x000D
    static let algorithmNull: UInt16 = 0x0010
    static let algorithmECC: UInt16 = 0x0023
    static let generatedValue: UInt32 = 0xFF54_4347
    static let attestCertify: UInt16 = 0x8017

    static func hashFunction(_ algorithm: UInt16) -> HashFunction? {
        switch algorithm {
        case algorithmSHA1: .sha1
        case algorithmSHA256: .sha256
        case algorithmSHA384: .sha384
        case algorithmSHA512: .sha512
        default: nil
        }
    }

    static func curve(_ identifier: UInt16) -> EllipticCurve? {
        switch identifier {
        case 0x0003: .p256
        case 0x0004: .p384
        case 0x0005: .p521
        default: nil
        }
    }
}

/// TPMT_PUBLIC: the public area of the key the TPM certified.
struct TPMPublicArea {
    let nameAlgorithm: UInt16
    let key: Key

    enum Key: Equatable {
        case rsa(modulus: [UInt8], exponent: UInt32)
        case ecc(curve: UInt16, x: [UInt8], y: [UInt8])
    }

    init(_ bytes: [UInt8]) throws(WebAuthnFailure) {
        var reader = TPMReader(bytes)
        let type = try reader.uint16()
        nameAlgorithm = try reader.uint16()
        _ = try reader.uint32()  // objectAttributes
        _ = try reader.sized()  // authPolicy
        let symmetric = try reader.uint16()
        guard symmetric == TPMConstant.algorithmNull else {
            throw WebAuthnFailure(.tpmStructureInvalid, "tpm: pubArea of a storage key (symmetric algorithm set)")
        }
        if try reader.uint16() != TPMConstant.algorithmNull { _ = try reader.uint16() }  // scheme, then its hash
        switch type {
        case TPMConstant.algorithmRSA:
            _ = try reader.uint16()  // keyBits
            let exponent = try reader.uint32()
            key = .rsa(modulus: try reader.sized(), exponent: exponent == 0 ? 65537 : exponent)
        case TPMConstant.algorithmECC:
            let curve = try reader.uint16()
            if try reader.uint16() != TPMConstant.algorithmNull { _ = try reader.uint16() }  // kdf, then its hash
            let x = try reader.sized()
            key = .ecc(curve: curve, x: x, y: try reader.sized())
        default:
            throw WebAuthnFailure(.tpmStructureInvalid, "tpm: pubArea type \(type) is neither RSA nor ECC")
        }
        guard reader.isAtEnd else { throw WebAuthnFailure(.tpmStructureInvalid, "tpm: bytes after pubArea") }
    }
}

/// TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY: what the attestation key signed.
struct TPMCertifyInfo {
    let extraData: [UInt8]
    let attestedName: [UInt8]

    init(_ bytes: [UInt8]) throws(WebAuthnFailure) {
        var reader = TPMReader(bytes)
        guard try reader.uint32() == TPMConstant.generatedValue else {
            throw WebAuthnFailure(.tpmStructureInvalid, "tpm: certInfo magic is not TPM_GENERATED_VALUE")
        }
        guard try reader.uint16() == TPMConstant.attestCertify else {
            throw WebAuthnFailure(.tpmStructureInvalid, "tpm: certInfo type is not TPM_ST_ATTEST_CERTIFY")
        }
        _ = try reader.sized()  // qualifiedSigner
        extraData = try reader.sized()
        _ = try reader.take(17)  // clockInfo: clock, resetCount, restartCount, safe
        _ = try reader.take(8)  // firmwareVersion
        attestedName = try reader.sized()
        _ = try reader.sized()  // qualifiedName
        guard reader.isAtEnd else { throw WebAuthnFailure(.tpmStructureInvalid, "tpm: bytes after certInfo") }
    }
}
