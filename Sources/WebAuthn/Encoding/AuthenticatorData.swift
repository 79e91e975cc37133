import TapCrypto

/// Authenticator data (WebAuthn §6.1), parsed with every length checked against the bytes that remain.
public struct AuthenticatorData: Sendable {
    /// The bytes as signed.
    public let raw: [UInt8]
    /// SHA-256 of the RP ID the authenticator scoped the credential to.
    public let rpIDHash: [UInt8]
    /// UP, UV, BE, BS, AT and ED.
    public let flags: Flags
    /// The signature counter (0 when the authenticator keeps none).
    public let signCount: UInt32
    /// Present exactly when the AT flag is set.
    public let attestedCredential: AttestedCredentialData?
    /// The authenticator extension outputs, present exactly when the ED flag is set.
    public let extensions: CBORMap?

    /// The flags byte.
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let userPresent = Flags(rawValue: 0x01)
        public static let userVerified = Flags(rawValue: 0x04)
        public static let backupEligible = Flags(rawValue: 0x08)
        public static let backupState = Flags(rawValue: 0x10)
        public static let attestedCredentialData = Flags(rawValue: 0x40)
        public static let extensionData = Flags(rawValue: 0x80)
    }

    /// The longest credential id WebAuthn allows.
    public static let maximumCredentialIDLength = 1023

    /// Parses `bytes`: 32-byte rpIdHash, flags, 4-byte counter, then attested credential data if AT is set (AAGUID,
    /// 2-byte length, credential id, one COSE key found by decoding CBOR), then one extensions map if ED is set.
    /// Nothing may be left over.
    public init(_ bytes: [UInt8]) throws(WebAuthnFailure) {
        guard bytes.count >= 37 else {
            throw WebAuthnFailure(.authenticatorDataTruncated, "\(bytes.count) bytes, at least 37 needed")
        }
        raw = bytes
        rpIDHash = Array(bytes[0..<32])
        flags = Flags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        var position = 37

        if flags.contains(.attestedCredentialData) {
            guard bytes.count - position >= 18 else {
                throw WebAuthnFailure(.authenticatorDataTruncated, "attested credential data shorter than 18 bytes")
            }
            let aaguid = AAGUID(unchecked: Array(bytes[position..<position + 16]))
            let idLength = Int(bytes[position + 16]) << 8 | Int(bytes[position + 17])
            position += 18
            guard idLength <= bytes.count - position else {
                throw WebAuthnFailure(
                    .credentialIDLengthInvalid, "credential id length \(idLength) exceeds the data left")
            }
            guard idLength <= Self.maximumCredentialIDLength else {
                throw WebAuthnFailure(.credentialIDTooLong, "credential id of \(idLength) bytes")
            }
            guard idLength > 0 else { throw WebAuthnFailure(.credentialIDLengthInvalid, "empty credential id") }
            let credentialID = Array(bytes[position..<position + idLength])
            position += idLength
            let keyStart = position
            let key: CBOR
            do {
                (key, position) = try CBORDecoder.decodePrefix(bytes, from: position)
            } catch {
                throw WebAuthnFailure(error, while: "credential public key")
            }
            guard let keyMap = key.mapValue else { throw WebAuthnFailure(.publicKeyMalformed, "COSE key is not a map") }
            attestedCredential = AttestedCredentialData(
                aaguid: aaguid, credentialID: credentialID,
                publicKeyCOSE: Array(bytes[keyStart..<position]), publicKeyMap: keyMap
            )
        } else {
            attestedCredential = nil
        }

        if flags.contains(.extensionData) {
            guard position < bytes.count else {
                throw WebAuthnFailure(.extensionsMalformed, "ED is set but no extensions follow")
            }
            let item: CBOR
            do {
                (item, position) = try CBORDecoder.decodePrefix(bytes, from: position)
            } catch {
                throw WebAuthnFailure(error, while: "authenticator extensions")
            }
            guard let map = item.mapValue else {
                throw WebAuthnFailure(.extensionsMalformed, "extensions are not a map")
            }
            extensions = map
        } else {
            extensions = nil
        }

        guard position == bytes.count else {
            throw WebAuthnFailure(.authenticatorDataTrailingBytes, "\(bytes.count - position) bytes left over")
        }
    }
}

/// The credential an authenticator created: model, id and public key.
public struct AttestedCredentialData: Sendable {
    /// The authenticator model.
    public let aaguid: AAGUID
    /// The new credential's id.
    public let credentialID: [UInt8]
    /// The COSE_Key bytes exactly as sent.
    public let publicKeyCOSE: [UInt8]
    /// The decoded COSE_Key, not yet checked for well-formedness (that is step 15).
    public let publicKeyMap: CBORMap
}
