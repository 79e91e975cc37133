import Foundation
import Hummingbird
import TapCrypto

// The emulator's endpoint handlers: a pass's create and its view, Intune's device lookup, and the token
// endpoint with its client-assertion check; `answer` in GraphEmulator.swift routes requests to them.
extension GraphEmulator {
    func create(user: String, body: String) -> Answer {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else {
            return Self.graphError(400, "BadRequest", "Invalid JSON.")
        }
        if usersOutsidePolicy.contains(user) {
            return Self.graphError(400, "badRequest", "User is not in scope of the Temporary Access Pass policy.")
        }
        if (storedPolicy["state"] as? String) != "enabled" {
            return Self.graphError(400, "badRequest", "The Temporary Access Pass method is disabled by policy.")
        }
        let minimum = storedPolicy["minimumLifetimeInMinutes"] as? Int ?? 60
        let maximum = storedPolicy["maximumLifetimeInMinutes"] as? Int ?? 480
        let lifetime = object["lifetimeInMinutes"] as? Int ?? storedPolicy["defaultLifetimeInMinutes"] as? Int ?? 60
        guard (minimum...maximum).contains(lifetime) else {
            return Self.graphError(
                400, "badRequest",
                "The specified lifetime is outside the policy range. Lifetime must be between \(minimum) and \(maximum) minutes."
            )
        }
        if race == user {
            race = nil
            let id = nextID()
            passes[user] = StoredPass(
                id: id, value: "Portal!\(id.suffix(4))", createdAt: now(), startAt: now(), lifetimeInMinutes: 60,
                isUsableOnce: false, used: false)
        }
        if passes[user] != nil, storedFlavour == .refuse {
            return Self.graphError(400, "badRequest", "The user already has a Temporary Access Pass.")
        }
        let start = (object["startDateTime"] as? String).flatMap(Self.parse) ?? now()
        let once = (storedPolicy["isUsableOnce"] as? Bool ?? false) || (object["isUsableOnce"] as? Bool ?? false)
        let pass = StoredPass(
            id: nextID(), value: "Ent+\(UUID().uuidString.prefix(8))", createdAt: now(), startAt: start,
            lifetimeInMinutes: lifetime, isUsableOnce: once, used: false)
        passes[user] = pass
        return Self.json(201, view(pass, withValue: true))
    }

    func view(_ pass: StoredPass, withValue: Bool) -> [String: Any] {
        let current = now()
        let expires = pass.startAt.addingTimeInterval(TimeInterval(pass.lifetimeInMinutes * 60))
        let reason =
            pass.used && pass.isUsableOnce
            ? "OneTimeUsed"
            : current < pass.startAt ? "NotYetValid" : current >= expires ? "Expired" : "EnabledByPolicy"
        return [
            "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
            "id": pass.id, "temporaryAccessPass": withValue ? pass.value : NSNull(),
            "createdDateTime": Self.format(pass.createdAt, fractional: true),
            "startDateTime": Self.format(pass.startAt),
            "lifetimeInMinutes": pass.lifetimeInMinutes, "isUsableOnce": pass.isUsableOnce,
            "isUsable": reason == "EnabledByPolicy", "methodUsabilityReason": reason,
        ]
    }

    func managedDevices(query: [String: String]) -> Answer {
        // Only the documented filter: serialNumber eq '<literal with '' for '>.
        guard let filter = query["$filter"], filter.hasPrefix("serialNumber eq '"), filter.hasSuffix("'") else {
            return Self.graphError(400, "BadRequest", "Invalid filter clause.")
        }
        let literal = String(filter.dropFirst("serialNumber eq '".count).dropLast())
        guard !literal.replacingOccurrences(of: "''", with: "").contains("'") else {
            return Self.graphError(400, "BadRequest", "Syntax error: unterminated string literal.")
        }
        let serial = literal.replacingOccurrences(of: "''", with: "'")
        let offset = query["$skiptoken"].flatMap(Int.init) ?? 0
        return lock.withLock {
            let matching = devices.filter {
                ($0["serialNumber"] as? String)?.caseInsensitiveCompare(serial) == .orderedSame
            }
            let page = Array(matching.dropFirst(offset).prefix(storedDevicePageSize))
            var object: [String: Any] = ["value": page]
            if offset + page.count < matching.count {
                let filter = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                object["@odata.nextLink"] =
                    "\(baseURL)/v1.0/deviceManagement/managedDevices?$filter=\(filter)&$skiptoken=\(offset + page.count)"
            }
            return Self.json(200, object)
        }
    }

    func token(path: [String], form: [String: String]) -> Answer {
        func refuse(_ error: String, _ description: String) -> Answer {
            Self.json(401, ["error": error, "error_description": description])
        }
        guard path.count == 4, path[0] == tenant, path[1] == "oauth2", path[2] == "v2.0", path[3] == "token" else {
            return Self.json(400, ["error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."])
        }
        guard form["grant_type"] == "client_credentials", form["client_id"] == clientID,
            form["scope"] == "\(baseURL)/.default"
        else {
            return Self.json(
                400, ["error": "invalid_request", "error_description": "AADSTS900144: bad client-credentials request."])
        }
        let (secret, certificate) = lock.withLock { (clientSecret, self.certificate) }
        if let presented = form["client_secret"] {
            guard let secret, presented == secret else {
                return refuse("invalid_client", "AADSTS7000215: Invalid client secret provided.")
            }
        } else if let assertion = form["client_assertion"],
            form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        {
            guard let certificate,
                verify(assertion, certificate: certificate, audience: "\(baseURL)/\(tenant)/oauth2/v2.0/token")
            else {
                return refuse("invalid_client", "AADSTS700027: Client assertion contains an invalid signature.")
            }
        } else {
            return refuse("invalid_client", "AADSTS7000216: client_assertion or client_secret is required.")
        }
        let token = "emu." + UUID().uuidString
        let lifetime = lock.withLock { () -> Int in
            issuedTokens += 1
            tokens[token] = now().addingTimeInterval(TimeInterval(storedTokenLifetime))
            return storedTokenLifetime
        }
        return Self.json(
            200, ["token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token])
    }

    /// Checks a client assertion as Entra does: RS256 under the registered certificate, `x5t` its SHA-1
    /// thumbprint, audience the token endpoint, issuer and subject the client id, not expired.
    func verify(_ assertion: String, certificate: Certificate, audience: String) -> Bool {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerBytes = Self.base64URL(parts[0]), let claimBytes = Self.base64URL(parts[1]),
            let signature = Self.base64URL(parts[2]),
            let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any],
            let claims = (try? JSONSerialization.jsonObject(with: Data(claimBytes))) as? [String: Any],
            header["alg"] as? String == "RS256",
            let thumbprint = try? Crypto.sha1(certificate.derEncoded),
            header["x5t"] as? String == Self.base64URLEncode(thumbprint),
            let key = try? certificate.publicKey,
            key.isValidSignature(signature, over: Array("\(parts[0]).\(parts[1])".utf8), algorithm: .rsaPKCS1SHA256)
        else { return false }
        let expiry = (claims["exp"] as? NSNumber)?.doubleValue ?? 0
        return claims["aud"] as? String == audience && claims["iss"] as? String == clientID
            && claims["sub"] as? String == clientID && expiry > now().timeIntervalSince1970
    }
}
