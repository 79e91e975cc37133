import COpenSSL
import TapCore

/// Owns one OpenSSL cipher context and frees it.
private final class CipherContext {
    let pointer: OpaquePointer

    init() throws {
        guard let pointer = EVP_CIPHER_CTX_new() else {
            throw CryptoError.drainingQueue(operation: "EVP_CIPHER_CTX_new")
        }
        self.pointer = pointer
    }

    deinit { EVP_CIPHER_CTX_free(pointer) }
}

extension Crypto {
    /// Nonce bytes of AES-256-GCM.
    static let gcmNonceCount = 12
    /// Tag bytes of AES-256-GCM.
    static let gcmTagCount = 16

    /// Encrypts `plaintext` under a 32-byte `key` with AES-256-GCM and a fresh random nonce; `associatedData`
    /// is authenticated, not encrypted. The result is nonce ‖ ciphertext ‖ tag.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8] = []) throws -> [UInt8] {
        guard key.count == 32 else {
            throw CryptoError(operation: "AES-256-GCM: the key must be 32 bytes", openSSLErrors: [])
        }
        let nonce = try randomBytes(gcmNonceCount)
        let context = try CipherContext()
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        let written = try gcmUpdate(
            context, .encrypt, key: key, nonce: nonce, associatedData: associatedData, plaintext, into: &ciphertext)
        var final: Int32 = 0
        let finalOK = ciphertext.withUnsafeMutableBufferPointer { buffer in
            EVP_EncryptFinal_ex(context.pointer, buffer.baseAddress! + Int(written), &final) == 1
        }
        guard finalOK else { throw CryptoError.drainingQueue(operation: "EVP_EncryptFinal_ex") }
        var tag = [UInt8](repeating: 0, count: gcmTagCount)
        guard EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(gcmTagCount), &tag) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_CTRL_GCM_GET_TAG")
        }
        return nonce + ciphertext.prefix(Int(written + final)) + tag
    }

    /// Decrypts what ``seal(_:key:associatedData:)`` made; `nil` when the key, the data or the associated
    /// data do not match (the tag does not verify).
    public static func open(_ sealed: [UInt8], key: [UInt8], associatedData: [UInt8] = []) throws -> [UInt8]? {
        guard key.count == 32, sealed.count >= gcmNonceCount + gcmTagCount else { return nil }
        let nonce = Array(sealed.prefix(gcmNonceCount))
        let ciphertext = Array(sealed.dropFirst(gcmNonceCount).dropLast(gcmTagCount))
        var tag = Array(sealed.suffix(gcmTagCount))
        let context = try CipherContext()
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        let written = try gcmUpdate(
            context, .decrypt, key: key, nonce: nonce, associatedData: associatedData, ciphertext, into: &plaintext)
        guard EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(gcmTagCount), &tag) == 1 else {
            throw CryptoError.drainingQueue(operation: "EVP_CTRL_GCM_SET_TAG")
        }
        var final: Int32 = 0
        let verified = plaintext.withUnsafeMutableBufferPointer { buffer in
            EVP_DecryptFinal_ex(context.pointer, buffer.baseAddress! + Int(written), &final) > 0
        }
        ERR_clear_error()
        guard verified else { return nil }
        return Array(plaintext.prefix(Int(written + final)))
    }

    /// Which way an AES-256-GCM context runs; the raw value is `EVP_CipherInit_ex`'s `enc` argument.
    private enum GCMDirection: Int32 {
        case decrypt = 0
        case encrypt = 1

        /// `Encrypt` or `Decrypt`, so errors name the call as OpenSSL documents it.
        var verb: String { self == .encrypt ? "Encrypt" : "Decrypt" }
    }

    /// Sets `context` up for AES-256-GCM in `direction` under `key` and `nonce`, feeds it `associatedData`,
    /// then runs `input` through it into `output` (which has room for it); returns the bytes written, after
    /// which the caller makes the final call and handles the tag.
    private static func gcmUpdate(
        _ context: CipherContext, _ direction: GCMDirection, key: [UInt8], nonce: [UInt8],
        associatedData: [UInt8], _ input: [UInt8], into output: inout [UInt8]
    ) throws -> Int32 {
        let verb = direction.verb
        guard EVP_CipherInit_ex(context.pointer, EVP_aes_256_gcm(), nil, nil, nil, direction.rawValue) == 1,
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(gcmNonceCount), nil) == 1,
            EVP_CipherInit_ex(context.pointer, nil, nil, key, nonce, direction.rawValue) == 1
        else { throw CryptoError.drainingQueue(operation: "EVP_\(verb)Init_ex(AES-256-GCM)") }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            guard EVP_CipherUpdate(context.pointer, nil, &length, associatedData, Int32(associatedData.count)) == 1
            else {
                throw CryptoError.drainingQueue(operation: "EVP_\(verb)Update(AAD)")
            }
        }
        var written: Int32 = 0
        if !input.isEmpty {
            guard EVP_CipherUpdate(context.pointer, &output, &written, input, Int32(input.count)) == 1 else {
                throw CryptoError.drainingQueue(operation: "EVP_\(verb)Update")
            }
        }
        return written
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
}
